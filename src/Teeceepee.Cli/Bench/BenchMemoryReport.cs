using System.Globalization;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Bench;

/// <summary>
/// Memory lines for scale measurements (issue 13 item 2): with <c>TEECEEPEE_BENCH_MEMORY=SECONDS</c> bench-server
/// prints, every that many seconds, the process's resident set, the managed heap after the last collection, what the GC
/// has committed, and the connections open. <c>SECONDS,full</c> forces a full blocking collection before each line,
/// so that the heap figure counts live objects only (use it for bytes per connection, not for how memory returns
/// on its own).
/// </summary>
internal static class BenchMemoryReport
{
    /// <summary>The environment variable that turns the report on.</summary>
    public const string Variable = "TEECEEPEE_BENCH_MEMORY";

    /// <summary>Starts the report when <see cref="Variable"/> asks for it; the task ends with <paramref name="cancellationToken"/>.</summary>
    public static Task Start(BenchServer server, INetwork network, TextWriter output, CancellationToken cancellationToken)
    {
        string? setting = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(setting))
            return Task.CompletedTask;
        var parts = setting.Split(',');
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0)
            return Task.CompletedTask;
        bool full = parts.Length > 1 && parts[1] == "full";
        return Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    output.WriteLine(Format(server, network as TeeceepeeNetwork, full));
                    output.Flush();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
    }

    /// <summary>One line: rss, heap, committed, collections, open connections (and the stack's TIME-WAIT records).</summary>
    public static string Format(BenchServer server, TeeceepeeNetwork? stack, bool full)
    {
        long live = full ? GC.GetTotalMemory(forceFullCollection: true) : -1;
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        long open = server.Connections - server.ClosedConnections;
        var inv = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder(256);
        sb.Append(inv, $"bench-server: memory rss {Environment.WorkingSet / 1048576.0:F1} MiB, heap {info.HeapSizeBytes / 1048576.0:F1} MiB");
        if (full)
            sb.Append(inv, $" (live {live / 1048576.0:F1} MiB)");
        sb.Append(inv, $", committed {info.TotalCommittedBytes / 1048576.0:F1} MiB, gc {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        sb.Append(inv, $", connections open {open} (accepted {server.Connections})");
        if (stack?.Stats is { } stats)
            sb.Append(inv, $", time-wait {stats.TcpTimeWait} (skipped {stats.TcpTimeWaitSkipped}, reopened {stats.TcpTimeWaitReopened})");
        sb.Append(inv, $", server gc {System.Runtime.GCSettings.IsServerGC}");
        return sb.ToString();
    }
}
