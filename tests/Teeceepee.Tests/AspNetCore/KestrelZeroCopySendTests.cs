using System.Buffers;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Teeceepee.AspNetCore;
using Teeceepee.Http;
using Teeceepee.Links;
using Teeceepee.Tests.Sockets;

namespace Teeceepee.Tests.AspNetCore;

/// <summary>
/// Kestrel's output blocks go into TCP's send buffer by reference (issue 12): responses written in odd sizes with small
/// and large flushes, over HTTP/1.1, HTTP/2 and HTTPS, with and without loss (so retransmissions read from the held
/// blocks), arrive byte-exact.
/// </summary>
public class KestrelZeroCopySendTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    // Writes the body in uneven pieces straight into the pipe's memory, flushing after some of them (small flushes
    // leave short pieces in a block; large writes span blocks).
    private static async Task WriteUnevenly(HttpResponse response, byte[] body)
    {
        response.ContentLength = body.Length;
        var writer = response.BodyWriter;
        int[] sizes = [1, 700, 4096, 65536, 13, 30000, 200_000, 1460];
        int offset = 0, i = 0;
        while (offset < body.Length)
        {
            int n = Math.Min(sizes[i % sizes.Length], body.Length - offset);
            if (n <= 16 * 1024)
            {
                var memory = writer.GetMemory(n);
                body.AsSpan(offset, n).CopyTo(memory.Span);
                writer.Advance(n);
            }
            else
            {
                writer.Write(body.AsSpan(offset, n));
            }
            offset += n;
            if (i++ % 3 != 1)
                await writer.FlushAsync();
        }
        await writer.FlushAsync();
    }

    private static byte[] Body(int length, int seed)
    {
        var body = new byte[length];
        new Random(seed).NextBytes(body);
        return body;
    }

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.0)]
    [InlineData(false, 0.02)]
    [InlineData(true, 0.02)]
    public async Task UnevenResponse_OverHttp1OrHttp2_WithOrWithoutLoss_ArrivesSha256Equal(bool http2, double loss)
    {
        await using var net = new MemoryTcpTestNetwork(faults: loss > 0 ? new FaultOptions { Loss = loss } : null, seed: 7);
        var body = Body(1_500_000, 3);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).ConfigureKestrel(kestrel =>
            kestrel.Listen(net.ServerAddress, 8090, listen => listen.Protocols = http2 ? HttpProtocols.Http2 : HttpProtocols.Http1));
        await using var app = builder.Build();
        app.MapGet("/uneven", (HttpContext context) => WriteUnevenly(context.Response, body));
        await app.StartAsync();
        try
        {
            using var http = new HttpClient(TeeceepeeHttp.CreateHandler(net.Client)) { Timeout = s_timeout };
            for (int round = 0; round < 2; round++) // the second reuses the connection and its blocks
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{net.ServerAddress}:8090/uneven")
                {
                    Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11,
                    VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                };
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(http2 ? 2 : 1, response.Version.Major);
                Assert.Equal(SHA256.HashData(body), SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Https_LargeUnevenResponse_TlsRecordsThroughTheBlocks_ArrivesSha256Equal()
    {
        await using var net = new MemoryTcpTestNetwork();
        using var certificate = TestCertificates.SelfSigned("CN=server.test");
        var body = Body(1_000_000, 4);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).ConfigureKestrel(kestrel =>
            kestrel.Listen(net.ServerAddress, 8443, listen => listen.UseHttps(certificate)));
        await using var app = builder.Build();
        app.MapGet("/uneven", (HttpContext context) => WriteUnevenly(context.Response, body));
        await app.StartAsync();
        try
        {
            var handler = TeeceepeeHttp.CreateHandler(net.Client, host => host == "server.test" ? net.ServerAddress : throw new HttpRequestException(host));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString();
            using var http = new HttpClient(handler) { Timeout = s_timeout };
            Assert.Equal(SHA256.HashData(body), SHA256.HashData(await http.GetByteArrayAsync("https://server.test:8443/uneven")));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
