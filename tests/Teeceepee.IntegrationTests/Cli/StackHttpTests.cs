using System.Security.Cryptography;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// HTTP, SOCKS and the bench servers over TCP on the userspace stack: the CLI runs in a namespace
/// on tap0 as 198.18.0.2; the kernel peers (system curl, python) use 198.18.0.1 on the same TAP.
/// </summary>
public sealed class StackHttpTests : IAsyncLifetime
{
    private static readonly string[] s_link = ["--tap", "tap0", "--ip", "198.18.0.2/24"];
    private CliNamespace _ns = null!;
    private string _site = null!;
    private string _work = null!;
    private readonly Dictionary<string, byte[]> _files = [];

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await StackCliTests.AddTap(_ns);
        _site = Directory.CreateTempSubdirectory($"tcpcli-site-{Environment.ProcessId}-").FullName;
        _work = Directory.CreateTempSubdirectory($"tcpcli-work-{Environment.ProcessId}-").FullName;
        var random = new Random(5);
        foreach (var (name, size) in new[] { ("zero.bin", 0), ("one.bin", 1), ("mib.bin", 1024 * 1024) })
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

    private Task StartPythonServer() => _ns.StartBackground("ready", "python3", "-u", "-c",
        "import http.server,functools\n" +
        $"h=functools.partial(http.server.SimpleHTTPRequestHandler, directory='{_site}')\n" +
        "s=http.server.ThreadingHTTPServer(('198.18.0.1', 8000), h)\nprint('ready', flush=True)\ns.serve_forever()");

    [CliNamespaceFact]
    public async Task Serve_OnTheStack_ToSystemCurl_DeliversExactBytes()
    {
        await _ns.StartCli("serving", ["serve", "--quiet", "--port", "80", _site, .. s_link]);
        foreach (var name in new[] { "zero.bin", "one.bin", "mib.bin" })
        {
            string output = Path.Combine(_work, name);
            var result = await _ns.Exec("curl", "-sS", "--fail", "--max-time", "30", "-o", output, $"http://198.18.0.2/{name}");
            Assert.True(result.ExitCode == 0, $"{name}: {result.Stderr}");
            Assert.Equal(Sha(_files[name]), Sha(await File.ReadAllBytesAsync(output)));
        }
        var notFound = await _ns.Exec("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://198.18.0.2/missing");
        Assert.Equal("404", notFound.StdoutText);
    }

    [CliNamespaceFact]
    public async Task Serve_OnTheStack_ManyParallelClients_AllGetIntactFiles()
    {
        await _ns.StartCli("serving", ["serve", "--quiet", "--port", "80", _site, .. s_link]);
        var args = new List<string> { "curl", "-sS", "--fail", "--max-time", "60", "--parallel", "--parallel-max", "16" };
        for (int i = 0; i < 16; i++)
            args.AddRange(["-o", Path.Combine(_work, $"p{i}.bin"), "http://198.18.0.2/mib.bin"]);
        var result = await _ns.Exec([.. args]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        for (int i = 0; i < 16; i++)
            Assert.Equal(Sha(_files["mib.bin"]), Sha(await File.ReadAllBytesAsync(Path.Combine(_work, $"p{i}.bin"))));
    }

    [CliNamespaceFact]
    public async Task Curl_OnTheStack_FromPythonServer_DeliversExactBytes()
    {
        await StartPythonServer();
        foreach (var name in new[] { "zero.bin", "one.bin", "mib.bin" })
        {
            var result = await _ns.Cli(["curl", "--max-time", "30", $"http://198.18.0.1:8000/{name}", .. s_link]);
            Assert.True(result.ExitCode == 0, $"{name}: {result.Stderr}");
            Assert.Equal(Sha(_files[name]), Sha(result.Stdout));
        }
    }

    [CliNamespaceFact]
    public async Task Curl_OnTheStack_WithLoss_StillDeliversExactBytes()
    {
        await StartPythonServer();
        var result = await _ns.Cli(["curl", "--max-time", "60", "--loss", "3%", "--seed", "7", "http://198.18.0.1:8000/mib.bin", .. s_link]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Sha(_files["mib.bin"]), Sha(result.Stdout));
    }

    [CliNamespaceFact]
    public async Task Curl_OnTheStack_ClosedPort_Exits7()
    {
        var result = await _ns.Cli(["curl", "--max-time", "20", "http://198.18.0.1:9/", .. s_link]);
        Assert.Equal(7, result.ExitCode);
        Assert.Matches(@"^teeceepee curl: failed to connect to 198\.18\.0\.1 port 9 after \d+ ms: connection refused\n$", result.Stderr);
    }

    [CliNamespaceFact]
    public async Task Socks_OnTheStack_CarriesSystemCurl()
    {
        await StartPythonServer();
        await _ns.StartCli("socks:", ["socks", "--quiet", "--listen", "127.0.0.1:1080", .. s_link]);
        string output = Path.Combine(_work, "socks.bin");
        var result = await _ns.Exec("curl", "-sS", "--fail", "--max-time", "30", "--socks5", "127.0.0.1:1080", "-o", output, "http://198.18.0.1:8000/mib.bin");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Sha(_files["mib.bin"]), Sha(await File.ReadAllBytesAsync(output)));
    }

    [CliNamespaceFact]
    public async Task BenchServer_OnTheStack_FromTheBenchEnvironment_ServesSinkSourceEcho()
    {
        await _ns.StartBackground("bench-server: echo", "env", "BENCH_TAP=tap0", "BENCH_ADDR=198.18.0.2", "BENCH_GW=198.18.0.1", "BENCH_MTU=1500",
            CliNamespace.Dotnet, CliNamespace.CliAssembly, "bench-server");
        string script = """
            import socket
            a = '198.18.0.2'
            e = socket.create_connection((a, 5003), timeout=20); e.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(100):
                e.sendall(bytes([i])); assert e.recv(1) == bytes([i])
            e.shutdown(socket.SHUT_WR); assert e.recv(10) == b''
            s = socket.create_connection((a, 5001), timeout=20); s.sendall(b'y' * 3000000); s.shutdown(socket.SHUT_WR); assert s.recv(10) == b''
            d = socket.create_connection((a, 5002), timeout=20); n = 0
            while n < 3000000: n += len(d.recv(1 << 20))
            print('ok')
            """;
        var result = await _ns.Exec("python3", "-c", script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("ok\n", result.StdoutText);
    }
}
