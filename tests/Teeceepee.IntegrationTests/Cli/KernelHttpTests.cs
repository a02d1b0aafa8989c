using System.Security.Cryptography;
using System.Text;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// The CLI's HTTP server and client against real kernel peers (system curl, python) inside a
/// private namespace, on the kernel INetwork: proves the HTTP code before the stack carries it.
/// </summary>
public sealed class KernelHttpTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;
    private string _site = null!;
    private string _work = null!;
    private readonly Dictionary<string, byte[]> _files = [];

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        _site = Directory.CreateTempSubdirectory($"tcpcli-site-{Environment.ProcessId}-").FullName;
        _work = Directory.CreateTempSubdirectory($"tcpcli-work-{Environment.ProcessId}-").FullName;
        var random = new Random(11);
        foreach (var (name, size) in new[] { ("zero.bin", 0), ("one.bin", 1), ("mib.bin", 1024 * 1024), ("odd.bin", 3 * 65536 + 123) })
        {
            var data = new byte[size];
            random.NextBytes(data);
            _files[name] = data;
            await File.WriteAllBytesAsync(Path.Combine(_site, name), data);
        }
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        Directory.Delete(_site, true);
        Directory.Delete(_work, true);
    }

    private static string Sha(byte[] data) => Convert.ToHexString(SHA256.HashData(data));

    private Task StartServe(int port) => _ns.StartCli("serving", "serve", "--kernel", "--quiet", "--port", port.ToString(), _site);

    [CliNamespaceTheory]
    [InlineData("zero.bin")]
    [InlineData("one.bin")]
    [InlineData("mib.bin")]
    [InlineData("odd.bin")]
    public async Task Serve_ToSystemCurl_DeliversExactBytes(string name)
    {
        await StartServe(8080);
        string output = Path.Combine(_work, name);
        var result = await _ns.Exec("curl", "-sS", "--fail", "-o", output, $"http://{CliNamespace.Address}:8080/{name}");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Sha(_files[name]), Sha(await File.ReadAllBytesAsync(output)));
    }

    [CliNamespaceFact]
    public async Task Serve_KeepAlive_SystemCurlReusesTheConnection()
    {
        await StartServe(8081);
        string url = $"http://{CliNamespace.Address}:8081/";
        var result = await _ns.Exec("curl", "-sS", "-v", "-o", "/dev/null", "-o", "/dev/null", url + "one.bin", url + "mib.bin");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Re-using existing connection", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [CliNamespaceFact]
    public async Task Serve_StatusCodes_SeenBySystemCurl()
    {
        await StartServe(8082);
        string url = $"http://{CliNamespace.Address}:8082";
        async Task<string> Code(params string[] extra) =>
            (await _ns.Exec(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", .. extra])).StdoutText;
        Assert.Equal("404", await Code(url + "/missing"));
        Assert.Equal("405", await Code("-X", "POST", "-d", "x", url + "/one.bin"));
        Assert.Equal("400", await Code("--path-as-is", url + "/../../etc/passwd"));
        Assert.Equal("200", await Code(url + "/"));
        Assert.Equal("206", await Code("-r", "0-9", url + "/mib.bin"));
        var head = await _ns.Exec("curl", "-sS", "-I", url + "/mib.bin");
        Assert.Contains("Content-Length: 1048576", head.StdoutText);
    }

    [CliNamespaceFact]
    public async Task Serve_ManyParallelClients_AllGetIntactFiles()
    {
        await StartServe(8083);
        string url = $"http://{CliNamespace.Address}:8083/mib.bin";
        var args = new List<string> { "curl", "-sS", "--fail", "--parallel", "--parallel-max", "20" };
        for (int i = 0; i < 20; i++)
            args.AddRange(["-o", Path.Combine(_work, $"p{i}.bin"), url]);
        var result = await _ns.Exec([.. args]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        for (int i = 0; i < 20; i++)
            Assert.Equal(Sha(_files["mib.bin"]), Sha(await File.ReadAllBytesAsync(Path.Combine(_work, $"p{i}.bin"))));
    }

    [CliNamespaceTheory]
    [InlineData("zero.bin")]
    [InlineData("one.bin")]
    [InlineData("mib.bin")]
    public async Task Curl_FromPythonHttpServer_DeliversExactBytes(string name)
    {
        await _ns.StartBackground("ready", "python3", "-u", "-c",
            $"import http.server,functools,sys\n" +
            $"h=functools.partial(http.server.SimpleHTTPRequestHandler, directory='{_site}')\n" +
            $"s=http.server.ThreadingHTTPServer(('{CliNamespace.Address}', 8090), h)\nprint('ready', flush=True)\ns.serve_forever()");
        var result = await _ns.Cli("curl", "--kernel", $"http://{CliNamespace.Address}:8090/{name}");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Sha(_files[name]), Sha(result.Stdout));
    }

    [CliNamespaceFact]
    public async Task Curl_ChunkedAndCloseDelimitedResponses_AreDecoded()
    {
        // A raw server: /chunked answers in chunks of varying size, /close without a length.
        string script = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('198.18.5.1', 8091)); s.listen(8); print('ready', flush=True)
            body = bytes(range(256)) * 4099
            while True:
                c, _ = s.accept(); req = b''
                while b'\r\n\r\n' not in req: req += c.recv(4096)
                if req.startswith(b'GET /chunked'):
                    c.sendall(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
                    i, n = 0, 1
                    while i < len(body):
                        part = body[i:i+n]; c.sendall(b'%x\r\n' % len(part) + part + b'\r\n'); i += n; n = n * 3 + 1
                    c.sendall(b'0\r\n\r\n')
                else:
                    c.sendall(b'HTTP/1.0 200 OK\r\n\r\n' + body)
                c.close()
            """;
        await _ns.StartBackground("ready", "python3", "-u", "-c", script);
        byte[] expected = [.. Enumerable.Range(0, 4099).SelectMany(_ => Enumerable.Range(0, 256).Select(b => (byte)b))];
        var chunked = await _ns.Cli("curl", "--kernel", $"http://{CliNamespace.Address}:8091/chunked");
        Assert.True(chunked.ExitCode == 0, chunked.Stderr);
        Assert.Equal(Sha(expected), Sha(chunked.Stdout));
        var close = await _ns.Cli("curl", "--kernel", $"http://{CliNamespace.Address}:8091/close");
        Assert.True(close.ExitCode == 0, close.Stderr);
        Assert.Equal(Sha(expected), Sha(close.Stdout));
    }

    [CliNamespaceFact]
    public async Task Curl_ToCliServe_WritesOutputFile()
    {
        await StartServe(8084);
        string output = Path.Combine(_work, "via-cli.bin");
        var result = await _ns.Cli("curl", "--kernel", "-o", output, $"http://{CliNamespace.Address}:8084/mib.bin");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Sha(_files["mib.bin"]), Sha(await File.ReadAllBytesAsync(output)));
    }

    [CliNamespaceFact]
    public async Task Curl_ClosedPort_Exits7WithOneLine()
    {
        var result = await _ns.Cli("curl", "--kernel", $"http://{CliNamespace.Address}:9/");
        Assert.Equal(7, result.ExitCode);
        Assert.Matches(@"^teeceepee curl: failed to connect to 198\.18\.5\.1 port 9 after \d+ ms: connection refused\n$", result.Stderr);
    }

    [CliNamespaceFact]
    public async Task Socks_SystemCurlThroughSocks5_ReachesCliServe()
    {
        await StartServe(8085);
        await _ns.StartCli("socks:", "socks", "--kernel", "--listen", "127.0.0.1:1080", "--resolve", "web.test:*:" + CliNamespace.Address);
        string output = Path.Combine(_work, "socks.bin");
        var byAddress = await _ns.Exec("curl", "-sS", "--fail", "--socks5", "127.0.0.1:1080", "-o", output, $"http://{CliNamespace.Address}:8085/mib.bin");
        Assert.True(byAddress.ExitCode == 0, byAddress.Stderr);
        Assert.Equal(Sha(_files["mib.bin"]), Sha(await File.ReadAllBytesAsync(output)));
        // socks5h: the proxy resolves the name (here from --resolve).
        var byName = await _ns.Exec("curl", "-sS", "--fail", "--socks5-hostname", "127.0.0.1:1080", "-o", output, "http://web.test:8085/odd.bin");
        Assert.True(byName.ExitCode == 0, byName.Stderr);
        Assert.Equal(Sha(_files["odd.bin"]), Sha(await File.ReadAllBytesAsync(output)));
        var refused = await _ns.Exec("curl", "-sS", "--socks5", "127.0.0.1:1080", $"http://{CliNamespace.Address}:9/");
        Assert.Equal(97, refused.ExitCode);  // curl: proxy handshake error (the proxy replied "connection refused")
    }

    [CliNamespaceFact]
    public async Task BenchServer_Kernel_ServesSinkSourceEcho()
    {
        await _ns.StartCli("bench-server: echo", "bench-server", "--kernel");
        string script = """
            import socket
            a = '198.18.5.1'
            e = socket.create_connection((a, 5003)); e.sendall(b'x' * 1000); got = b''
            while len(got) < 1000: got += e.recv(65536)
            e.shutdown(socket.SHUT_WR); assert e.recv(10) == b''
            s = socket.create_connection((a, 5001)); s.sendall(b'y' * 5000000); s.shutdown(socket.SHUT_WR); assert s.recv(10) == b''
            d = socket.create_connection((a, 5002)); n = 0
            while n < 5000000: n += len(d.recv(1 << 20))
            print('ok', got == b'x' * 1000)
            """;
        var result = await _ns.Exec("python3", "-c", script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("ok True\n", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task Ping_Kernel_PrintsIputilsSummary()
    {
        var result = await _ns.Cli("ping", "--kernel", "-c", "2", "-i", "0.2", CliNamespace.Address);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith($"PING {CliNamespace.Address} ({CliNamespace.Address}) 56(84) bytes of data.\n64 bytes from {CliNamespace.Address}: icmp_seq=1 ttl=64 time=", result.StdoutText);
        Assert.Contains("2 packets transmitted, 2 received, 0% packet loss", result.StdoutText);
        Assert.Matches(@"rtt min/avg/max/mdev = \d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3}/\d+\.\d{3} ms\n$", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task Ping_Kernel_NoReply_Exits1()
    {
        // The namespace's own kernel stops answering echo requests (a per-namespace sysctl).
        Assert.Equal(0, (await _ns.Exec("sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1")).ExitCode);
        var result = await _ns.Cli("ping", "--kernel", "-c", "1", "-W", "0.3", CliNamespace.Address);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("1 packets transmitted, 0 received", result.StdoutText);
    }
}
