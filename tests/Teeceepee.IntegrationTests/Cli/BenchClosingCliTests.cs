using System.Text.RegularExpressions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// bench-server's close-first (5004) and connect-back (5005) on the userspace stack, with kernel
/// peers (python) in a namespace; the stack's own trace (-v) shows which side closed first.
/// </summary>
public sealed class BenchClosingCliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await StackCliTests.AddTap(_ns);
    }

    public Task DisposeAsync() => _ns.DisposeAsync().AsTask();

    [CliNamespaceFact]
    public async Task CloseFirstAndConnectBack_KernelPeers_GetHelloAndTheStackClosesFirst()
    {
        var server = await _ns.StartCli("bench-server: echo", "bench-server", "--tap", "tap0", "--ip", "198.18.0.2/24", "-v");
        var trace = server.StandardError.ReadToEndAsync();
        // The peer waits before its own close, so its ACK of our FIN goes out alone (FIN-WAIT-2 is seen).
        string script = """
            import socket, time
            a = '198.18.0.2'
            def read_all(s):
                data = b''
                while True:
                    b = s.recv(100)
                    if not b: return data
                    data += b
            c = socket.create_connection((a, 5004), timeout=20)
            assert read_all(c) == b'hello\n'
            print(c.getsockname()[1]); time.sleep(0.5); c.close()
            l = socket.socket(); l.bind(('198.18.0.1', 0)); l.listen(1); l.settimeout(20)
            k = socket.create_connection((a, 5005), timeout=20)
            k.sendall(b'CONNECT %d\n' % l.getsockname()[1])
            s, peer = l.accept(); s.settimeout(20)
            assert peer[0] == a, peer
            assert read_all(s) == b'hello\n'
            print(l.getsockname()[1]); time.sleep(0.5); s.close()
            assert read_all(k) == b'OK\n'
            k.close()
            """;
        var result = await _ns.Exec("python3", "-c", script);
        Assert.True(result.ExitCode == 0, result.Stderr);
        var ports = result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        await Task.Delay(500);
        server.Kill(entireProcessTree: true);
        string log = await trace.WaitAsync(TimeSpan.FromSeconds(20));

        // Close-first: our FIN first (ESTABLISHED -> FIN-WAIT-1), the peer's ACK, then its FIN (RFC 9293 §3.6).
        AssertStates(log, $@"198\.18\.0\.2:5004<->198\.18\.0\.1:{ports[0]}", "Established=>FinWait1", "FinWait1=>FinWait2", "FinWait2=>TimeWait");
        // Connect-back: an active open from the stack to the peer's port, then the same close.
        AssertStates(log, $@"198\.18\.0\.2:\d+<->198\.18\.0\.1:{ports[1]}", "SynSent=>Established", "Established=>FinWait1", "FinWait1=>FinWait2", "FinWait2=>TimeWait");
    }

    // The connection's state changes appear in this order in the trace.
    private static void AssertStates(string log, string connection, params string[] changes)
    {
        var lines = log.Split('\n').Where(l => Regex.IsMatch(l, connection + @" \w+=>\w+")).ToList();
        int at = 0;
        foreach (var change in changes)
        {
            at = lines.FindIndex(at, l => l.EndsWith(change, StringComparison.Ordinal));
            Assert.True(at >= 0, $"no {change} after the earlier changes for {connection}:\n{string.Join('\n', lines)}");
        }
    }
}
