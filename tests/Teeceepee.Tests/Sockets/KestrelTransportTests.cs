using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Teeceepee.AspNetCore;
using Teeceepee.Http;

namespace Teeceepee.Tests.Sockets;

public class KestrelTransportTests
{
    [Fact]
    public async Task MinimalApp_OnStack_AnswersHttpClient_OnSecondStack()
    {
        await using var net = new MemoryTcpTestNetwork();
        var body = RandomNumberGenerator.GetBytes(300_000);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).UseUrls($"http://{net.ServerAddress}:8080");
        await using var app = builder.Build();
        app.MapGet("/hello", () => "hello from the stack");
        app.MapGet("/big", () => Results.Bytes(body, "application/octet-stream"));
        app.MapPost("/echo", async (HttpRequest request) =>
        {
            var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy);
            return Results.Bytes(SHA256.HashData(copy.ToArray()));
        });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient(TeeceepeeHttp.CreateHandler(net.Client)) { Timeout = TimeSpan.FromSeconds(30) };
            var baseUri = $"http://{net.ServerAddress}:8080";
            Assert.Equal("hello from the stack", await http.GetStringAsync(baseUri + "/hello"));
            // Keep-alive: the second request reuses the connection, the third is large.
            Assert.Equal("hello from the stack", await http.GetStringAsync(baseUri + "/hello"));
            Assert.Equal(SHA256.HashData(body), SHA256.HashData(await http.GetByteArrayAsync(baseUri + "/big")));
            var upload = RandomNumberGenerator.GetBytes(500_000);
            using var response = await http.PostAsync(baseUri + "/echo", new ByteArrayContent(upload));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(SHA256.HashData(upload), await response.Content.ReadAsByteArrayAsync());
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task PortZero_KestrelReportsTheChosenPort_AndServesOnIt()
    {
        await using var net = new MemoryTcpTestNetwork();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).UseUrls($"http://{net.ServerAddress}:0");
        await using var app = builder.Build();
        app.MapGet("/", () => "port zero");
        await app.StartAsync();
        try
        {
            var address = Assert.Single(app.Urls);
            int port = new Uri(address).Port;
            Assert.InRange(port, 49152, 65535);
            using var http = new HttpClient(TeeceepeeHttp.CreateHandler(net.Client)) { Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal("port zero", await http.GetStringAsync($"http://{net.ServerAddress}:{port}/"));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Https_KestrelOnStack_HttpClientOverSslStream_OnSecondStack()
    {
        await using var net = new MemoryTcpTestNetwork();
        using var certificate = TestCertificates.SelfSigned("CN=server.test");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).ConfigureKestrel(kestrel =>
            kestrel.Listen(net.ServerAddress, 8443, listen => listen.UseHttps(certificate)));
        await using var app = builder.Build();
        app.MapGet("/secret", (HttpContext context) => $"tls {context.Request.IsHttps}");
        await app.StartAsync();
        try
        {
            var handler = TeeceepeeHttp.CreateHandler(net.Client, host => host == "server.test" ? net.ServerAddress : throw new HttpRequestException(host));
            string? seen = null;
            // Trust exactly the test's self-signed certificate.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                seen = cert?.Subject;
                return cert is not null && cert.GetCertHashString() == certificate.GetCertHashString();
            };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal("tls True", await http.GetStringAsync("https://server.test:8443/secret"));
            Assert.Equal("CN=server.test", seen);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
