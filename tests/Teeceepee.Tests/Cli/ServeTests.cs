using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Teeceepee.Cli;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Curl;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Cli.Serve;
using Teeceepee.Links;

namespace Teeceepee.Tests.Cli;

/// <summary>
/// <c>serve</c> (Kestrel on the stack) and <c>curl</c> (HttpClient on the stack) on two stacks joined by a
/// MemoryLink: files, ETags, ranges, listings, <c>..</c>, HTTPS with HTTP/1.1 and HTTP/2, certificate checks.
/// </summary>
public sealed class ServeTests : IAsyncLifetime
{
    private static readonly byte[] s_data = RandomNumberGenerator.GetBytes(300_000);
    private INetwork _client = null!;
    private INetwork _server = null!;
    private string _root = null!;
    private readonly StringWriter _log = new();

    private static LinkOptions Options(string address, string name, int seed) => new()
    {
        Kind = LinkKind.Tap,
        Device = name,
        Address = IPAddress.Parse(address),
        PrefixLength = 24,
        Seed = seed,
    };

    public Task InitializeAsync()
    {
        var (first, second) = MemoryLink.CreatePair();
        _client = TeeceepeeNetwork.FromLink(first, Options("198.18.0.2", "mem-c", 11), null);
        _server = TeeceepeeNetwork.FromLink(second, Options("198.18.0.1", "mem-s", 12), null);
        _root = Directory.CreateTempSubdirectory($"tcp-serve-{Environment.ProcessId}-").FullName;
        File.WriteAllBytes(Path.Combine(_root, "data.bin"), s_data);
        File.WriteAllText(Path.Combine(_root, "hello.txt"), "hello world\n");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllText(Path.Combine(_root, "sub", "a b.txt"), "spaced");
        Directory.CreateDirectory(Path.Combine(_root, "site"));
        File.WriteAllText(Path.Combine(_root, "site", "index.html"), "<h1>index</h1>");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_root, true);
    }

    private Task<StaticSite> Serve(X509Certificate2? certificate = null, int port = 80) =>
        StaticSite.StartAsync(_server, _root, port, certificate, TextWriter.Synchronized(_log), CancellationToken.None);

    // Runs curl on the client stack; returns (exit code, stdout bytes, stderr text).
    private async Task<(int Code, byte[] Output, string Error)> Curl(CurlOptions options)
    {
        var output = new MemoryStream();
        var error = new StringWriter();
        int code;
        try
        {
            code = await new CurlRunner(_client, options with { MaxTime = TimeSpan.FromSeconds(30) }, output, error).RunAsync(CancellationToken.None);
        }
        catch (CliException e)
        {
            code = e.ExitCode;
            error.Write(e.Message);
        }
        return (code, output.ToArray(), error.ToString());
    }

    private static CurlOptions Get(string url) => new() { Url = new Uri(url) };

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    // A self-signed certificate for 198.18.0.1, made now (no key is ever committed).
    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=teeceepee test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse("198.18.0.1"));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }

    [Fact]
    public async Task Serve_File_CurlGetsExactBytesAndTheAccessLogHasALine()
    {
        await using var site = await Serve();
        var (code, output, error) = await Curl(Get("http://198.18.0.1/data.bin"));
        Assert.True(code == 0, error);
        Assert.Equal(SHA256.HashData(s_data), SHA256.HashData(output));
        Assert.Matches(@"^198\.18\.0\.2 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] ""GET /data\.bin HTTP/1\.1"" 200 300000\r?\n$", _log.ToString());
    }

    [Fact]
    public async Task Serve_ETag_IfNoneMatchGets304WithoutBody()
    {
        await using var site = await Serve();
        var (_, head, _) = await Curl(Get("http://198.18.0.1/hello.txt") with { HeadersOnly = true, Method = "HEAD" });
        string etag = Text(head).Split("\r\n").Single(l => l.StartsWith("ETag: ", StringComparison.OrdinalIgnoreCase))[6..];
        var (code, output, _) = await Curl(Get("http://198.18.0.1/hello.txt") with { Headers = [new("If-None-Match", etag)], WriteOut = "%{http_code}" });
        Assert.Equal(0, code);
        Assert.Equal("304", Text(output));
    }

    [Fact]
    public async Task Serve_Range_Returns206WithThoseBytes()
    {
        await using var site = await Serve();
        var (code, output, _) = await Curl(Get("http://198.18.0.1/data.bin") with { Range = "1000-1999", IncludeHeaders = true });
        Assert.Equal(0, code);
        string head = Encoding.Latin1.GetString(output, 0, Array.IndexOf(output, (byte)'\n') + 1);
        Assert.Equal("HTTP/1.1 206 Partial Content\r\n", head);
        Assert.Equal(s_data[1000..2000], output[^1000..]);
    }

    [Fact]
    public async Task Serve_Directory_ListsEntries_IndexHtmlWins_DotDotIsRefused()
    {
        await using var site = await Serve();
        var (_, listing, _) = await Curl(Get("http://198.18.0.1/sub/"));
        Assert.Contains("a b.txt", Text(listing));
        var (_, index, _) = await Curl(Get("http://198.18.0.1/site/"));
        Assert.Equal("<h1>index</h1>", Text(index));
        // HttpClient would normalise "..": write the request by hand.
        await using var connection = await _client.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 80), CancellationToken.None);
        await connection.Stream.WriteAsync("GET /sub/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
        var reply = new MemoryStream();
        await connection.Stream.CopyToAsync(reply).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", Encoding.Latin1.GetString(reply.ToArray()));
    }

    [Fact]
    public async Task Curl_FollowsARedirect_OnTheKeptAliveConnection()
    {
        // Kestrel redirects a directory without its slash (301 to /sub/); curl -L follows on the same connection.
        await using var site = await Serve();
        var (code, output, error) = await Curl(Get("http://198.18.0.1/sub") with { FollowRedirects = true, Verbose = true, WriteOut = "|%{num_redirects}|%{url_effective}" });
        Assert.True(code == 0, error);
        Assert.EndsWith("|1|http://198.18.0.1/sub/", Text(output));
        Assert.Contains("a b.txt", Text(output));
        Assert.Single(error.Split('\n'), l => l.StartsWith("* Connected to", StringComparison.Ordinal));
        Assert.Contains("* Re-using existing connection with host 198.18.0.1", error);
    }

    [Fact]
    public async Task Serve_Post_Is405WithAllow()
    {
        await using var site = await Serve();
        var (code, output, _) = await Curl(Get("http://198.18.0.1/hello.txt") with { Method = "POST", Body = "x"u8.ToArray(), IncludeHeaders = true });
        Assert.Equal(0, code);
        Assert.StartsWith("HTTP/1.1 405 Method Not Allowed\r\n", Text(output));
        Assert.Contains("\r\nAllow: GET, HEAD\r\n", Text(output));
    }

    [Fact]
    public async Task Serve_PortZero_ReportsTheChosenPort()
    {
        await using var site = await Serve(port: 0);
        Assert.InRange(site.Port, 49152, 65535);
        var (code, output, _) = await Curl(Get($"http://198.18.0.1:{site.Port}/hello.txt"));
        Assert.Equal(0, code);
        Assert.Equal("hello world\n", Text(output));
    }

    [Fact]
    public async Task Serve_ManyClientsAtOnce_AllGetIntactFiles()
    {
        await using var site = await Serve();
        var stack = ((TeeceepeeNetwork)_client).Stack;
        using var http = new HttpClient(Teeceepee.Http.TeeceepeeHttp.CreateHandler(stack)) { Timeout = TimeSpan.FromSeconds(60) };
        var fetches = Enumerable.Range(0, 40).Select(_ => http.GetByteArrayAsync("http://198.18.0.1/data.bin")).ToArray();
        foreach (var body in await Task.WhenAll(fetches))
            Assert.Equal(SHA256.HashData(s_data), SHA256.HashData(body));
    }

    [Fact]
    public async Task Serve_ClientStopsReadingLongerThanKestrelsGracePeriod_DownloadCompletesByteExact()
    {
        // More than the server's write-ahead (1 MiB pipe), its send buffer and the client's receive window together, so
        // the server's flushes wait while the client does not read. Kestrel gives a flush its 5 s grace period plus the
        // time its bytes take at 240 B/s, but counts only bytes written with WriteAsync: serve writes with
        // GetMemory/Advance, so a client that paused for 6 s (or one slower than ~50 KB/s) was cut off with a reset.
        var data = RandomNumberGenerator.GetBytes(8_000_000);
        await File.WriteAllBytesAsync(Path.Combine(_root, "big.bin"), data);
        await using var site = await Serve();
        var stack = ((TeeceepeeNetwork)_client).Stack;
        using var http = new HttpClient(Teeceepee.Http.TeeceepeeHttp.CreateHandler(stack)) { Timeout = TimeSpan.FromSeconds(120) };
        using var response = await http.GetAsync("http://198.18.0.1/big.bin", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        int n = await body.ReadAsync(buffer);
        sha.AppendData(buffer, 0, n);
        // Kestrel checks once a second; 10 s is well past the 5 s grace period and its heartbeat.
        await Task.Delay(TimeSpan.FromSeconds(10));
        while ((n = await body.ReadAsync(buffer)) > 0)
            sha.AppendData(buffer, 0, n);
        Assert.Equal(SHA256.HashData(data), sha.GetHashAndReset());
    }

    [Theory]
    [InlineData(0, "2")]
    [InlineData(2, "2")]
    [InlineData(1, "1.1")]
    public async Task Https_Insecure_FetchesExactBytes_OverTheVersionAsked(int versionOption, string expected)
    {
        var version = (CurlHttpVersion)versionOption;
        using var certificate = SelfSigned();
        await using var site = await Serve(certificate, 443);
        var (code, output, error) = await Curl(Get("https://198.18.0.1/data.bin") with { Insecure = true, HttpVersion = version, WriteOut = "%{http_version}" });
        Assert.True(code == 0, error);
        Assert.Equal(SHA256.HashData(s_data), SHA256.HashData(output[..^expected.Length]));
        Assert.Equal(expected, Text(output[^expected.Length..]));
    }

    [Fact]
    public async Task Https_CaCert_TrustsTheServer_WithoutItExits60()
    {
        using var certificate = SelfSigned();
        await using var site = await Serve(certificate, 443);
        string pem = Path.Combine(_root, "..", $"tcp-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());
        try
        {
            var (code, output, error) = await Curl(Get("https://198.18.0.1/hello.txt") with { CaCertFile = pem });
            Assert.True(code == 0, error);
            Assert.Equal("hello world\n", Text(output));
            var (untrusted, _, message) = await Curl(Get("https://198.18.0.1/hello.txt"));
            Assert.Equal(60, untrusted);
            Assert.StartsWith("SSL certificate problem: ", message);
        }
        finally
        {
            File.Delete(pem);
        }
    }

    [Fact]
    public async Task Https_ToAPlainHttpServer_Exits35()
    {
        await using var site = await Serve(port: 443);
        var (code, _, error) = await Curl(Get("https://198.18.0.1/") with { Insecure = true });
        Assert.Equal(35, code);
        Assert.StartsWith("TLS handshake with 198.18.0.1 failed", error);
    }

    [Fact]
    public async Task ServeCommand_Https_LoadsPemFiles()
    {
        using var certificate = SelfSigned();
        string dir = Directory.CreateTempSubdirectory($"tcp-pem-{Environment.ProcessId}-").FullName;
        try
        {
            string cert = Path.Combine(dir, "cert.pem"), key = Path.Combine(dir, "key.pem");
            await File.WriteAllTextAsync(cert, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            using var loaded = ServeCommand.LoadCertificate(cert, key);
            Assert.True(loaded.HasPrivateKey);
            Assert.Equal(certificate.Thumbprint, loaded.Thumbprint);
            var e = Assert.Throws<CliException>(() => ServeCommand.LoadCertificate(cert, cert));
            Assert.Equal(2, e.ExitCode);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
