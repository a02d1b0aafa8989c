using System.Globalization;
using System.Text.RegularExpressions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// Issue 13 item 3: during a one-core <c>hping3 -S --flood</c> (source ports varying) against the very port a legitimate
/// client downloads from (bench-server's source port, 5002), a 10 MB download started every second completes every time,
/// at no less than a quarter of its unloaded speed. The flood needs both cores to itself and the stack, so the test runs
/// only when <c>TEECEEPEE_FLOOD_TESTS=1</c> (on a quiet machine); it lasts about 25 s. It stays out of the normal suite:
/// the bound is four times an unloaded 50 ms download, and on a loaded machine (load 25–45, session 6) one download in
/// 15 missed it by tens of milliseconds; the flood also takes a core from the rest of CI (docs/benchmarks.md).
/// </summary>
public sealed class SynFloodCliTests : IAsyncLifetime
{
    private const int Downloads = 15;
    private CliNamespace _ns = null!;

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await StackCliTests.AddTap(_ns);
    }

    public Task DisposeAsync() => _ns.DisposeAsync().AsTask();

    // Connect, read 10 MiB, close; one attempt a second; one line per download: "ok SECONDS" or "fail SECONDS why".
    private const string DownloadScript = """
        import socket, sys, time
        count, total = int(sys.argv[1]), 10 * 1024 * 1024
        start = time.time()
        for i in range(count):
            if time.time() - start > 25: break
            t0 = time.time()
            try:
                s = socket.create_connection(('198.18.0.2', 5002), timeout=5)
                s.settimeout(5)
                n = 0
                while n < total:
                    b = s.recv(1 << 20)
                    if not b: raise Exception('eof at %d' % n)
                    n += len(b)
                s.close()
                print('ok %.4f' % (time.time() - t0), flush=True)
            except Exception as e:
                print('fail %.4f %s' % (time.time() - t0, e), flush=True)
            rest = start + i + 1 - time.time()
            if rest > 0: time.sleep(rest)
        """;

    [FloodFact]
    public async Task OneCoreSynFlood_DownloadEverySecond_AllCompleteAtAQuarterOfUnloadedSpeed()
    {
        var server = await _ns.StartCli("bench-server: echo", "bench-server", "--tap", "tap0", "--ip", "198.18.0.2/24");
        var unloaded = Seconds(await _ns.Exec("python3", "-c", DownloadScript, "3"));
        Assert.All(unloaded, r => Assert.True(r.Ok, r.Line));
        double baseline = unloaded.Select(r => r.Seconds).Order().ElementAt(1);

        var flood = await _ns.StartBackground("HPING", "taskset", "-c", "0", "stdbuf", "-oL", "hping3", "-S", "--flood", "-p", "5002", "198.18.0.2");
        try
        {
            await Task.Delay(1000);
            var loaded = Seconds(await _ns.Exec("python3", "-c", DownloadScript, Downloads.ToString(CultureInfo.InvariantCulture)));
            string report = $"unloaded {baseline:F3} s; during the flood: {string.Join(", ", loaded.Select(r => r.Line))}";
            Assert.True(loaded.Count == Downloads, report);
            Assert.All(loaded, r => Assert.True(r.Ok && r.Seconds <= 4 * baseline + 0.05, report));
        }
        finally
        {
            flood.Kill(entireProcessTree: true);
            server.Kill(entireProcessTree: true);
        }
    }

    private static List<(bool Ok, double Seconds, string Line)> Seconds(ProcessResult result) =>
        result.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Regex.Match(line, @"^(ok|fail) ([\d.]+)"))
            .Where(m => m.Success)
            .Select(m => (m.Groups[1].Value == "ok", double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Value))
            .ToList();

    /// <summary>Runs with root, iproute2, hping3 and TEECEEPEE_FLOOD_TESTS=1 only.</summary>
    private sealed class FloodFactAttribute : FactAttribute
    {
        public FloodFactAttribute()
        {
            if (!CliNamespace.Available)
                Skip = "needs root and iproute2 (network namespaces)";
            else if (!File.Exists("/usr/sbin/hping3"))
                Skip = "needs hping3";
            else if (Environment.GetEnvironmentVariable("TEECEEPEE_FLOOD_TESTS") != "1")
                Skip = "set TEECEEPEE_FLOOD_TESTS=1 to run the SYN flood on a quiet machine (it takes both cores)";
        }
    }
}
