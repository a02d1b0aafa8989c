using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// bench-server and serve with one loop per queue of a multi-queue TAP (<c>--loops 2</c>, issue 13 item 4), kernel peers
/// (python, curl) in a private namespace: many connections both ways byte-exact, every one served, both queues busy,
/// clean shutdown.
/// </summary>
public sealed class MultiLoopCliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;

    public async Task InitializeAsync() => _ns = await CliNamespace.CreateAsync();

    public Task DisposeAsync() => _ns.DisposeAsync().AsTask();

    private async Task AddTap(bool multiQueue)
    {
        foreach (var command in new[]
        {
            multiQueue ? ["ip", "tuntap", "add", "dev", "tap0", "mode", "tap", "multi_queue"] : new[] { "ip", "tuntap", "add", "dev", "tap0", "mode", "tap" },
            ["ip", "addr", "add", "198.18.0.1/24", "dev", "tap0"],
            ["ip", "link", "set", "tap0", "up"],
        })
        {
            var result = await _ns.Exec(command);
            Assert.True(result.ExitCode == 0, result.Stderr);
        }
    }

    [CliNamespaceFact]
    public async Task BenchServer_TwoLoops_HundredParallelConnectionsBothWays_ByteExactEveryOneServedOnBothQueues()
    {
        await AddTap(multiQueue: true);
        var server = await _ns.StartCli("bench-server: echo", "bench-server", "--tap", "tap0", "--ip", "198.18.0.2/24", "--loops", "2");
        var stderr = server.StandardError.ReadToEndAsync();
        // 100 echo connections at once, each its own random bytes, each checked by SHA-256 both ways; then 20 connect-backs
        // (the stack connects out, from both loops in turn).
        string script = """
            import socket, hashlib, os, threading
            results = []
            def echo():
                data = os.urandom(300000)
                s = socket.create_connection(('198.18.0.2', 5003), timeout=60)
                got = bytearray()
                def reader():
                    while True:
                        b = s.recv(65536)
                        if not b: return
                        got.extend(b)
                t = threading.Thread(target=reader); t.start()
                s.sendall(data); s.shutdown(socket.SHUT_WR); t.join(); s.close()
                results.append(hashlib.sha256(got).digest() == hashlib.sha256(data).digest())
            ts = [threading.Thread(target=echo) for _ in range(100)]
            [t.start() for t in ts]; [t.join() for t in ts]
            print('echo', sum(results), len(results))
            def read_all(s):
                data = b''
                while True:
                    b = s.recv(100)
                    if not b: return data
                    data += b
            backs = 0
            for _ in range(20):
                l = socket.socket(); l.bind(('198.18.0.1', 0)); l.listen(1); l.settimeout(30)
                k = socket.create_connection(('198.18.0.2', 5005), timeout=30)
                k.sendall(b'CONNECT %d\n' % l.getsockname()[1])
                c, peer = l.accept(); c.settimeout(30)
                ok = read_all(c) == b'hello\n'; c.close()
                ok = ok and read_all(k) == b'OK\n'; k.close(); l.close()
                backs += ok
            print('back', backs)
            """;
        var result = await _ns.Exec("python3", "-c", script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("echo 100 100", result.StdoutText);
        Assert.Contains("back 20", result.StdoutText);
        await Task.Delay(500);

        // Clean shutdown: SIGTERM, the summary, exit 0.
        Assert.Equal(0, (await CliNamespace.Run("kill", "-TERM", server.Id.ToString())).ExitCode);
        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        string text = await stderr;
        Assert.True(server.ExitCode == 0, text);
        Assert.Matches(new Regex(@"^bench-server: connections 120 \(120 ended\)", RegexOptions.Multiline), text);
        var loops = Regex.Matches(text, @"^bench-server: loop (\d): frames from its queue (\d+), handed over (\d+), taken over (\d+); tcp segments in (\d+), out (\d+)$", RegexOptions.Multiline);
        Assert.True(loops.Count == 2, text);
        // Both queues carried traffic and both loops served TCP.
        foreach (Match loop in loops)
        {
            Assert.True(long.Parse(loop.Groups[2].Value) > 100, text);
            Assert.True(long.Parse(loop.Groups[5].Value) > 100, text);
        }
        Assert.Matches(new Regex(@"drops (none|\d+: UnsupportedEtherType \d+)$", RegexOptions.Multiline), text);
    }

    [CliNamespaceFact]
    public async Task Serve_TwoLoops_FiftyParallelKernelCurls_ByteExactAndBothLoopsAccepted()
    {
        await AddTap(multiQueue: true);
        string site = Directory.CreateTempSubdirectory("tcpserve-site-").FullName;
        string work = Directory.CreateTempSubdirectory("tcpserve-got-").FullName;
        try
        {
            var data = RandomNumberGenerator.GetBytes(3_000_000);
            await File.WriteAllBytesAsync(Path.Combine(site, "big.bin"), data);
            var server = await _ns.StartCli("serving", "serve", "--quiet", "--port", "80", site, "--tap", "tap0", "--ip", "198.18.0.2/24", "--loops", "2");
            var stderr = server.StandardError.ReadToEndAsync();
            // 50 connections at once (one per transfer): the kernel's flow hash spreads them over both queues.
            var args = new List<string> { "curl", "-sS", "--fail", "--max-time", "120", "--parallel", "--parallel-immediate", "--parallel-max", "50" };
            for (int i = 0; i < 50; i++)
                args.AddRange(["-o", Path.Combine(work, $"got{i}.bin"), "http://198.18.0.2/big.bin"]);
            var result = await _ns.Exec([.. args]);
            Assert.True(result.ExitCode == 0, result.Stderr);
            string expected = Convert.ToHexString(SHA256.HashData(data));
            for (int i = 0; i < 50; i++)
                Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(work, $"got{i}.bin")))));

            // SIGTERM: serve stops and says what each loop accepted.
            Assert.Equal(0, (await CliNamespace.Run("kill", "-TERM", server.Id.ToString())).ExitCode);
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            string text = await stderr;
            Assert.True(server.ExitCode == 0, text);
            var loops = Regex.Matches(text, @"^serve: loop (\d): accepted (\d+) connections; tcp segments in (\d+), out (\d+)$", RegexOptions.Multiline);
            Assert.True(loops.Count == 2, text);
            long total = 0;
            foreach (Match loop in loops)
            {
                long accepted = long.Parse(loop.Groups[2].Value);
                Assert.True(accepted > 0, text);
                Assert.True(long.Parse(loop.Groups[4].Value) > 100, text);
                total += accepted;
            }
            Assert.True(total is >= 2 and <= 50, text);
        }
        finally
        {
            Directory.Delete(site, true);
            Directory.Delete(work, true);
        }
    }

    [CliNamespaceFact]
    public async Task BenchServer_LoopsGivenOnSingleQueueTap_FailsSayingHowToMakeOne()
    {
        await AddTap(multiQueue: false);
        var result = await _ns.Cli("bench-server", "--tap", "tap0", "--ip", "198.18.0.2/24", "--loops", "2");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("multi_queue", result.Stderr);
    }

    [CliNamespaceFact]
    public async Task BenchServer_DefaultLoopsOnSingleQueueTap_RunsOneLoop()
    {
        await AddTap(multiQueue: false);
        var server = await _ns.StartCli("bench-server: echo", "bench-server", "--tap", "tap0", "--ip", "198.18.0.2/24");
        var result = await _ns.Exec("python3", "-c", """
            import socket
            s = socket.create_connection(('198.18.0.2', 5003), timeout=20)
            s.sendall(b'ping'); assert s.recv(10) == b'ping'; print('ok')
            """);
        Assert.True(result.ExitCode == 0, result.Stderr);
        server.Kill(entireProcessTree: true);
    }
}
