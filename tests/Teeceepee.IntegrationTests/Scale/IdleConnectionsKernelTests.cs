using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Teeceepee.IntegrationTests.Cli;
using Xunit.Abstractions;

namespace Teeceepee.IntegrationTests.Scale;

/// <summary>
/// Issue 13 item 2, the CI-sized version of <c>scripts/idle-connections.sh</c> (100,000 connections): 5,000 kernel
/// clients connect to a stack on a TAP, each sends 64 octets that the stack's side echoes, then all sit idle. What the
/// stack holds per idle connection (TCB and its parts, demux and timer entries) is at most 1,792 B, the issue's 2 KiB with
/// a margin (1,574-1,604 B measured on a quiet run; the layout before RACK's state moved in place measured 1,995 B quiet,
/// and up to 1,810 B on a loaded machine while connections that saw a loss kept their SACK scoreboard, retransmission log
/// or out-of-order table until they closed: those now go back to the pool when empty, see IdleAfterLossMemoryTests), and
/// no idle connection holds a ring or one of those tables. The stack runs in a process of its own (<see cref="IdleConnectionProbe"/>, this assembly run as a
/// program), serving on the TCB API on its loop: its live heap after a full collection, less the rings the pool keeps
/// for reuse, is the stack's alone, whatever else runs beside the test. The socket API's handle and an application's
/// task add their part on top (docs/benchmarks.md has both, at 100,000 connections).
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed partial class IdleConnectionsKernelTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Connections = 5000;
    private const int MaxBytesPerConnection = 1792;
    private const int WarmUp = 500;
    private const string Port = "7100";
    private const string StackAddress = "198.18.0.2";
    private const string KernelAddress = "198.18.0.1";
    private CliNamespace _ns = null!;

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await StackCliTests.AddTap(_ns);
    }

    public Task DisposeAsync() => _ns.DisposeAsync().AsTask();

    [CliNamespaceFact]
    public async Task FiveThousandIdleKernelConnections_AfterAnEchoEach_AtMost1792BytesPerConnectionInTheStack()
    {
        string client = Path.Combine(Path.GetTempPath(), $"teeceepee-idleconn-{Environment.ProcessId}");
        var compile = await CliNamespace.Run("gcc", "-O2", "-o", client, Path.Combine(RepoRoot(), "scripts/idle-connections/idleconn.c"));
        Assert.True(compile.ExitCode == 0, compile.Stderr);
        try
        {
            using var probe = Child.Start(_ns, CliNamespace.Dotnet, typeof(IdleConnectionProbe).Assembly.Location,
                IdleConnectionProbe.Command, "tap0", StackAddress, Port);
            await probe.WaitForLineAsync("ready", TimeSpan.FromSeconds(60));

            // Warm-up connections first (JIT, the ARP entry, pools, the tables' first growth), closed and forgotten
            // again, so that the baseline holds what is paid once.
            using (var warm = await RunClientsAsync(client, WarmUp))
            {
                warm.CloseInput();
                await warm.WaitForLineAsync("closed", TimeSpan.FromSeconds(60));
            }
            await Task.Delay(500);
            await probe.CommandAsync("forget", "forgotten");
            var baseline = Measure(await probe.CommandAsync("measure", "measure"));
            for (var settle = DateTime.UtcNow + TimeSpan.FromSeconds(60); baseline.ShedFilter && DateTime.UtcNow < settle;)
            {
                await Task.Delay(500);
                baseline = Measure(await probe.CommandAsync("measure", "measure"));
            }

            using var clients = await RunClientsAsync(client, Connections);
            // Delayed ACKs settle: the last echoes' ACKs return their send rings, repaired losses their tables, and a
            // connect burst the loaded loop shed SYNs of lets its 1 MiB shed-SYN filter go 2-4 s later (slow under load:
            // measure until none is held).
            var idle = Measure(await probe.CommandAsync("measure", "measure"));
            for (var settle = DateTime.UtcNow + TimeSpan.FromSeconds(60); (idle.Holding > 0 || idle.ShedFilter) && DateTime.UtcNow < settle;)
            {
                await Task.Delay(500);
                idle = Measure(await probe.CommandAsync("measure", "measure"));
            }
            double perConnection = (double)(idle.Live - idle.Pooled - (baseline.Live - baseline.Pooled)) / Connections;
            output.WriteLine($"ring pool {baseline.Pooled / 1048576.0:F1} MiB before, {idle.Pooled / 1048576.0:F1} MiB with the idle connections (not counted below)");
            output.WriteLine($"live heap {baseline.Live / 1048576.0:F1} MiB before, {idle.Live / 1048576.0:F1} MiB with {Connections} idle connections: " +
                $"{perConnection:F0} B each; {idle.Holding} hold a ring or table; shed-SYN filter {(idle.ShedFilter ? "held" : "none")}; probe rss {idle.Rss / 1048576.0:F0} MiB");
            Assert.Equal(Connections, idle.Connections);
            Assert.Equal(Connections, idle.Established);
            Assert.Equal(0, idle.Holding);
            Assert.False(idle.ShedFilter);
            Assert.True(perConnection <= MaxBytesPerConnection, $"{perConnection:F0} B per idle connection (at most {MaxBytesPerConnection})");
            clients.CloseInput();
            await probe.CommandAsync("quit", null);
        }
        finally
        {
            File.Delete(client);
        }
    }

    // Starts COUNT clients in the namespace and waits until every one is idle (they hold their connections until their
    // stdin closes).
    private async Task<Child> RunClientsAsync(string client, int count)
    {
        var process = Child.Start(_ns, client, StackAddress, Port, count.ToString(CultureInfo.InvariantCulture), KernelAddress,
            IdleConnectionProbe.Exchange.ToString(CultureInfo.InvariantCulture));
        string line = await process.WaitForLineAsync("idle ", TimeSpan.FromSeconds(120));
        output.WriteLine(line);
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"idle {count} failed 0 "), line);
        return process;
    }

    private static Measurement Measure(string line)
    {
        var match = MeasureLine().Match(line);
        Assert.True(match.Success, line);
        long Get(string name) => long.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
        return new Measurement(Get("live"), Get("pooled"), (int)Get("connections"), (int)Get("established"), (int)Get("holding"), Get("shedfilter") != 0, Get("rss"));
    }

    [GeneratedRegex(@"^measure live=(?<live>\d+) pooled=(?<pooled>\d+) connections=(?<connections>\d+) established=(?<established>\d+) holding=(?<holding>\d+) shedfilter=(?<shedfilter>\d) rss=(?<rss>\d+)$")]
    private static partial Regex MeasureLine();

    private sealed record Measurement(long Live, long Pooled, int Connections, int Established, int Holding, bool ShedFilter, long Rss);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Teeceepee.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    /// <summary>A program in the namespace with its stdin held open (closing it tells it to finish) and its stdout read by line.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly System.Text.StringBuilder _stderr = new();

        private Child(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                    _lines.Writer.TryComplete();
                else
                    _lines.Writer.TryWrite(e.Data);
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_stderr)
                        _stderr.AppendLine(e.Data);
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public static Child Start(CliNamespace ns, params string[] command)
        {
            var start = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])["netns", "exec", ns.Name, .. command])
                start.ArgumentList.Add(a);
            return new Child(Process.Start(start)!);
        }

        /// <summary>Waits for the next stdout line starting with <paramref name="prefix"/> (earlier lines are skipped).</summary>
        public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await foreach (string line in _lines.Reader.ReadAllAsync(cts.Token))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                        return line;
                }
            }
            catch (OperationCanceledException)
            {
            }
            lock (_stderr)
                throw new TimeoutException($"no line starting with '{prefix}' from {_process.StartInfo.ArgumentList.Last()}; stderr: {_stderr}");
        }

        /// <summary>Sends a command line and waits for the answer starting with <paramref name="answer"/> (null: none).</summary>
        public async Task<string> CommandAsync(string command, string? answer)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            return answer is null ? "" : await WaitForLineAsync(answer, TimeSpan.FromSeconds(60));
        }

        public void CloseInput() => _process.StandardInput.Close();

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }
}
