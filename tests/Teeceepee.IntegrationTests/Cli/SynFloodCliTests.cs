using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// Issue 13 item 3: during a one-core <c>hping3 -S --flood</c> (source ports varying) against the very port a legitimate
/// client downloads from (bench-server's source port, 5002), a 10 MB download started every second completes every time,
/// at no less than a quarter of its unloaded speed. The flood needs both cores to itself and the stack, so the test runs
/// only when <c>TEECEEPEE_FLOOD_TESTS=1</c> (on a quiet machine), alone (<see cref="FloodCollection"/>); it lasts about
/// 25 s. It stays out of the normal suite: the bound is four times an unloaded 25–65 ms download, and on this 2-core
/// machine the flood's core leaves the stack's loop about a third of the other one (session 7: runnable for the whole
/// flood, it ran 4.6 s and waited 12.5 s on the run queue; no frame dropped at the TAP, 0 retransmission timeouts), so
/// it passed 7 of 15 runs, fewer on a quiet machine (hping3 then floods faster) than on a loaded one; once a download
/// stalled 5.5 s after a fast connect, not yet explained. A failure's message says which phase was slow: each
/// download's connect and first-byte times, and the stack process's CPU and run-queue wait during the flood
/// (docs/benchmarks.md).
/// </summary>
[Collection(FloodCollection.Name)]
public sealed class SynFloodCliTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Downloads = 15;
    private CliNamespace _ns = null!;

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await StackCliTests.AddTap(_ns);
    }

    public Task DisposeAsync() => _ns.DisposeAsync().AsTask();

    // Connect, read 10 MiB, close; one attempt a second; one line per download: "ok SECONDS (phases)" or "fail SECONDS why".
    private const string DownloadScript = """
        import socket, sys, time
        count, total = int(sys.argv[1]), 10 * 1024 * 1024
        start = time.time()
        for i in range(count):
            if time.time() - start > 25: break
            t0 = time.time()
            try:
                s = socket.create_connection(('198.18.0.2', 5002), timeout=5)
                t1 = time.time()
                s.settimeout(5)
                n, t2 = 0, None
                while n < total:
                    b = s.recv(1 << 20)
                    if not b: raise Exception('eof at %d' % n)
                    if t2 is None: t2 = time.time()
                    n += len(b)
                s.close()
                print('ok %.4f (connect %.4f, first byte %.4f)' % (time.time() - t0, t1 - t0, t2 - t0), flush=True)
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
            var before = SchedulerTimes(server.Id);
            var loaded = Seconds(await _ns.Exec("python3", "-c", DownloadScript, Downloads.ToString(CultureInfo.InvariantCulture)));
            var after = SchedulerTimes(server.Id);
            string report = $"unloaded {baseline:F3} s; during the flood: {string.Join(", ", loaded.Select(r => r.Line))}; " +
                $"the stack's process ran {(after.Run - before.Run) / 1e9:F2} s and waited {(after.Wait - before.Wait) / 1e9:F2} s on the run queue " +
                $"(load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})";
            output.WriteLine(report);
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
            .Select(line => (Line: line.Trim(), Match: Regex.Match(line, @"^(ok|fail) ([\d.]+)")))
            .Where(l => l.Match.Success)
            .Select(l => (l.Match.Groups[1].Value == "ok", double.Parse(l.Match.Groups[2].Value, CultureInfo.InvariantCulture), l.Line))
            .ToList();

    /// <summary>
    /// Nanoseconds the process's threads have run and have waited on a run queue (/proc/PID/task/TID/schedstat): a stack
    /// starved by the machine's load waits far longer than it runs, an overloaded one runs all the time.
    /// </summary>
    private static (long Run, long Wait) SchedulerTimes(int pid)
    {
        long run = 0, wait = 0;
        try
        {
            foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                string[] fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                run += long.Parse(fields[0], CultureInfo.InvariantCulture);
                wait += long.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
            // A thread ended between listing and reading (or no schedstat): the figure is a diagnostic only.
        }
        return (run, wait);
    }

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
