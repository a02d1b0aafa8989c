using System.Globalization;
using System.Text;
using Teeceepee.Cli.Network;
using Teeceepee.Stack;

namespace Teeceepee.Cli.Bench;

/// <summary>
/// The few lines <c>bench-server</c> prints to stderr when it is stopped, so a bench log shows what the stack
/// did: frames and TCP segments each way, retransmissions, drops by reason, and whether offloads were on.
/// </summary>
/// <remarks>
/// The harness sends SIGTERM and kills the process 0.3 s later, so this is printed first, straight from the
/// cancellation (a counter snapshot and a few string writes), before anything is shut down.
/// </remarks>
internal static class BenchSummary
{
    /// <summary>The summary lines, each prefixed "bench-server: ".</summary>
    public static string Format(BenchServer server, NetworkStackStats? stats, string? offloads, ProcessTimes? times = null, IReadOnlyList<NetworkStackStats>? loops = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(512);
        if (stats is not null)
        {
            sb.Append(inv, $"bench-server: frames in {stats.FramesIn} ({Megabytes(stats.BytesIn)}), out {stats.FramesOut} ({Megabytes(stats.BytesOut)}); ")
              .Append(inv, $"tcp segments in {stats.TcpSegmentsIn}, out {stats.TcpSegmentsOut}\n");
        }
        sb.Append(inv, $"bench-server: connections {server.Connections} ({server.ClosedConnections} ended): ")
          .Append(inv, $"retransmits {server.Retransmits} (fast {server.FastRetransmits}), timeouts {server.Timeouts}\n");
        if (stats is not null)
        {
            sb.Append("bench-server: ").Append(offloads ?? "offloads off").Append("; drops ");
            var drops = stats.Drops.NonZero;
            if (drops.Count == 0)
            {
                sb.Append("none");
            }
            else
            {
                sb.Append(inv, $"{stats.Drops.Total}:");
                foreach (var (reason, count) in drops)
                    sb.Append(inv, $" {reason} {count}");
            }
            sb.Append('\n');
        }
        if (loops is { Count: > 1 })
        {
            // --loops: what each loop read from its own queue, and what it passed to (or took from) the others.
            for (int i = 0; i < loops.Count; i++)
            {
                var l = loops[i];
                sb.Append(inv, $"bench-server: loop {i}: frames from its queue {l.LinkFramesIn}, handed over {l.FramesHandedOver}, taken over {l.FramesTakenOver}; ")
                  .Append(inv, $"tcp segments in {l.TcpSegmentsIn}, out {l.TcpSegmentsOut}\n");
            }
        }
        if (times is { } t)
        {
            sb.Append(inv, $"bench-server: process cpu {t.User.TotalSeconds + t.System.TotalSeconds:F2} s (user {t.User.TotalSeconds:F2}, sys {t.System.TotalSeconds:F2}) in {t.Elapsed.TotalSeconds:F1} s\n");
        }
        return sb.ToString();
    }

    /// <summary>CPU time of this process (user, kernel) and its age, to tell a CPU-bound run from a waiting one.</summary>
    public readonly record struct ProcessTimes(TimeSpan User, TimeSpan System, TimeSpan Elapsed)
    {
        /// <summary>This process now.</summary>
        public static ProcessTimes Current()
        {
            using var process = global::System.Diagnostics.Process.GetCurrentProcess();
            return new ProcessTimes(process.UserProcessorTime, process.PrivilegedProcessorTime, DateTime.Now - process.StartTime);
        }
    }

    /// <summary>Writes the summary of <paramref name="network"/> (stack counters when it is the stack) and flushes.</summary>
    public static void Write(TextWriter error, BenchServer server, INetwork network)
    {
        var stack = network as TeeceepeeNetwork;
        string text = Format(server, stack?.Stats, stack?.OffloadSummary, ProcessTimes.Current(), stack?.LoopStats);
        try
        {
            error.Write(text);
            error.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // stderr gone: nothing to report to.
        }
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB");
}
