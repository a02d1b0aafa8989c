using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Teeceepee.Cli.Http;
using Teeceepee.Cli.Network;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

public sealed class StaticFileServerTests : IDisposable
{
    private readonly string _root;
    private readonly StringWriter _log = new();
    private readonly StaticFileServer _server;

    public StaticFileServerTests()
    {
        _root = Directory.CreateTempSubdirectory($"tcp-serve-{Environment.ProcessId}-").FullName;
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "hello world\n");
        File.WriteAllBytes(Path.Combine(_root, "empty.bin"), []);
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllText(Path.Combine(_root, "sub", "a b.txt"), "spaced");
        File.WriteAllText(Path.Combine(_root, "sub", "<x>.html"), "<p>x</p>");
        Directory.CreateDirectory(Path.Combine(_root, "site"));
        File.WriteAllText(Path.Combine(_root, "site", "index.html"), "<h1>index</h1>");
        _server = new StaticFileServer(_root, _log);
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        _log.Dispose();
    }

    private async Task<ScriptedConnection> Serve(string requests, int chunk = int.MaxValue)
    {
        var connection = new ScriptedConnection(requests, chunk);
        await _server.ServeConnectionAsync(connection, CancellationToken.None);
        return connection;
    }

    // Splits the server's output into (status line, headers, body) triples using Content-Length.
    private static List<(string Status, Dictionary<string, string> Headers, string Body)> Responses(string written, bool head = false)
    {
        var list = new List<(string, Dictionary<string, string>, string)>();
        int position = 0;
        while (position < written.Length)
        {
            int end = written.IndexOf("\r\n\r\n", position, StringComparison.Ordinal);
            Assert.True(end >= 0, "incomplete response head");
            var lines = written[position..end].Split("\r\n");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                headers[line[..colon]] = line[(colon + 1)..].Trim();
            }
            int length = head ? 0 : int.Parse(headers["Content-Length"]);
            list.Add((lines[0], headers, written.Substring(end + 4, length)));
            position = end + 4 + length;
        }
        return list;
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    public async Task Get_ServesFileWithLengthAndType(int chunk)
    {
        var c = await Serve("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", chunk);
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.Equal("HTTP/1.1 200 OK", r.Status);
        Assert.Equal("12", r.Headers["Content-Length"]);
        Assert.Equal("text/plain; charset=utf-8", r.Headers["Content-Type"]);
        Assert.Equal("close", r.Headers["Connection"]);
        Assert.Equal("hello world\n", r.Body);
        Assert.True(c.SentFin);
        Assert.Contains("\"GET /hello.txt HTTP/1.1\" 200 12", _log.ToString());
    }

    [Fact]
    public async Task Head_SendsHeadersWithoutBody()
    {
        var c = await Serve("HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var text = c.WrittenText;
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text);
        Assert.Contains("Content-Length: 12\r\n", text);
        Assert.EndsWith("\r\n\r\n", text);
    }

    [Fact]
    public async Task KeepAlive_ServesPipelinedRequestsInOrder()
    {
        var c = await Serve("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /empty.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n", chunk: 5);
        var r = Responses(c.WrittenText);
        Assert.Equal(3, r.Count);
        Assert.Equal("hello world\n", r[0].Body);
        Assert.Equal("keep-alive", r[0].Headers["Connection"]);
        Assert.Equal("HTTP/1.1 200 OK", r[1].Status);
        Assert.Equal("0", r[1].Headers["Content-Length"]);
        Assert.Equal("application/octet-stream", r[1].Headers["Content-Type"]);
        Assert.Equal("HTTP/1.1 404 Not Found", r[2].Status);
    }

    [Fact]
    public async Task Http10_ClosesAfterOneResponse()
    {
        var c = await Serve("GET /hello.txt HTTP/1.0\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n");
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.Equal("close", r.Headers["Connection"]);
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")]
    [InlineData("DELETE /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")]
    public async Task OtherMethods_Get405WithAllow_AndTheConnectionStaysUsable(string request)
    {
        var c = await Serve(request + "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        var r = Responses(c.WrittenText);
        Assert.Equal(2, r.Count);
        Assert.Equal("HTTP/1.1 405 Method Not Allowed", r[0].Status);
        Assert.Equal("GET, HEAD", r[0].Headers["Allow"]);
        Assert.Equal("hello world\n", r[1].Body);
    }

    [Theory]
    [InlineData("GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /sub/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /..%2f..%2fetc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /hello.txt%00.png HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /hello.txt HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET  /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /hello.txt HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported")]
    [InlineData("GET /hello.txt FTP/1.0\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /hello.txt HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /hello.txt HTTP/1.1\r\nHost : x\r\n\r\n", "HTTP/1.1 400 Bad Request")]
    [InlineData("GET /nothing-here HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 404 Not Found")]
    public async Task BadOrMissing_GetTheRightStatus(string request, string status)
    {
        var c = await Serve(request);
        Assert.Equal(status, Responses(c.WrittenText)[0].Status);
        Assert.DoesNotContain("root:", c.WrittenText);
    }

    [Fact]
    public async Task TraversalThatStaysInside_IsResolved()
    {
        var c = await Serve("GET /sub/../hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal("hello world\n", Responses(c.WrittenText)[0].Body);
    }

    [Fact]
    public async Task HugeHeader_Gets431()
    {
        var c = await Serve("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 40_000) + "\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 4", c.WrittenText);
        Assert.Contains("Connection: close", c.WrittenText);
    }

    [Fact]
    public async Task Directory_WithoutSlash_RedirectsWithSlash()
    {
        var c = await Serve("GET /sub HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.Equal("HTTP/1.1 301 Moved Permanently", r.Status);
        Assert.Equal("/sub/", r.Headers["Location"]);
    }

    [Fact]
    public async Task Directory_WithIndexHtml_ServesIt()
    {
        var c = await Serve("GET /site/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.Equal("<h1>index</h1>", r.Body);
        Assert.Equal("text/html; charset=utf-8", r.Headers["Content-Type"]);
    }

    [Fact]
    public async Task Directory_WithoutIndex_ListsEntriesEscaped()
    {
        var c = await Serve("GET /sub/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.Equal("HTTP/1.1 200 OK", r.Status);
        Assert.Contains("<a href=\"a%20b.txt\">a b.txt</a>", r.Body);
        Assert.Contains("<a href=\"%3Cx%3E.html\">&lt;x&gt;.html</a>", r.Body);
        Assert.Contains("<a href=\"../\">", r.Body);
    }

    [Fact]
    public async Task PercentEncodedName_IsDecoded()
    {
        var c = await Serve("GET /sub/a%20b.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal("spaced", Responses(c.WrittenText)[0].Body);
    }

    [Fact]
    public async Task AbsoluteFormTarget_IsServed()
    {
        var c = await Serve("GET http://x/hello.txt?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal("hello world\n", Responses(c.WrittenText)[0].Body);
    }

    [Theory]
    [InlineData("bytes=0-4", "206", "bytes 0-4/12", "hello")]
    [InlineData("bytes=6-", "206", "bytes 6-11/12", "world\n")]
    [InlineData("bytes=-3", "206", "bytes 9-11/12", "ld\n")]
    [InlineData("bytes=6-100", "206", "bytes 6-11/12", "world\n")]
    public async Task Range_SendsPartialContent(string range, string code, string contentRange, string body)
    {
        var c = await Serve($"GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: {range}\r\nConnection: close\r\n\r\n");
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.StartsWith("HTTP/1.1 " + code, r.Status);
        Assert.Equal(contentRange, r.Headers["Content-Range"]);
        Assert.Equal(body, r.Body);
    }

    [Fact]
    public async Task Range_PastTheEnd_Gets416()
    {
        var c = await Serve("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=50-\r\nConnection: close\r\n\r\n");
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.Equal("HTTP/1.1 416 Range Not Satisfiable", r.Status);
        Assert.Equal("bytes */12", r.Headers["Content-Range"]);
    }

    [Fact]
    public async Task Range_MultipleRanges_AreServedWhole()
    {
        var c = await Serve("GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,3-4\r\nConnection: close\r\n\r\n");
        var r = Assert.Single(Responses(c.WrittenText));
        Assert.Equal("HTTP/1.1 200 OK", r.Status);
        Assert.Equal("hello world\n", r.Body);
    }

    [Fact]
    public async Task ManyConcurrentClients_OnKernelLoopback_GetIntactLargeFile()
    {
        var data = new byte[1024 * 1024 + 17];
        new Random(7).NextBytes(data);
        File.WriteAllBytes(Path.Combine(_root, "big.bin"), data);
        string expected = Convert.ToHexString(SHA256.HashData(data));

        await using var network = new KernelNetwork();
        await using var listener = await network.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0), 128, CancellationToken.None);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var server = new StaticFileServer(_root, null);
        var serving = server.RunAsync(listener, stop.Token);

        async Task<string> Fetch()
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, listener.LocalEndPoint.Port);
            var stream = client.GetStream();
            // Two requests on one connection: keep-alive across a large body.
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
            using var reader = new HttpBufferedReader(stream);
            string last = "";
            for (int i = 0; i < 2; i++)
            {
                var head = await HttpResponseHead.ReadAsync(reader, CancellationToken.None);
                Assert.NotNull(head);
                Assert.Equal(200, head.StatusCode);
                var framing = head.GetFraming("GET", out long length);
                var body = new MemoryStream();
                await HttpBody.CopyAsync(reader, framing, length, body, new byte[8192], CancellationToken.None);
                last = Convert.ToHexString(SHA256.HashData(body.ToArray()));
                Assert.Equal(expected, last);
            }
            Assert.Equal(0, await reader.ReadAsync(new byte[1], CancellationToken.None));
            return last;
        }

        var fetches = Enumerable.Range(0, 12).Select(_ => Fetch()).ToArray();
        var hashes = await Task.WhenAll(fetches);
        Assert.All(hashes, h => Assert.Equal(expected, h));
        stop.Cancel();
        await serving;
        Assert.Equal(0, server.ActiveConnections);
    }
}
