using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Teeceepee.AspNetCore;
using Teeceepee.Sockets.Http;

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
}
