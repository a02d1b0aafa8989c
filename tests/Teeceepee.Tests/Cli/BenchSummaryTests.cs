using System.Net;
using System.Text.RegularExpressions;
using Teeceepee.Cli;
using Teeceepee.Cli.Bench;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary><c>bench-server</c> prints the stack's counters to stderr when it is stopped (SIGTERM/Ctrl+C cancel its token).</summary>
public class BenchSummaryTests
{
    private static LinkOptions Options(string address, string name, int seed) => new()
    {
        Kind = LinkKind.Tap,
        Device = name,
        Address = IPAddress.Parse(address),
        PrefixLength = 24,
        Seed = seed,
    };

    [Fact]
    public async Task BenchServer_Stopped_PrintsFramesSegmentsRetransmitsDropsAndOffloads()
    {
        var (first, second) = MemoryLink.CreatePair();
        await using var client = TeeceepeeNetwork.FromLink(first, Options("198.18.0.1", "mem-c", 1), null);
        var server = TeeceepeeNetwork.FromLink(second, Options("198.18.0.2", "mem-s", 2), null);
        var cli = new CliHarness { Networks = new RecordingNetworkFactory { Network = server } };
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var context = new CliContext { Out = TextWriter.Synchronized(cli.Out), OutStream = cli.OutStream, Error = TextWriter.Synchronized(cli.Error), Probe = cli.Probe, Networks = cli.Networks };
        var running = CliApp.RunAsync(["bench-server", "--tap", "mem-s", "--ip", "198.18.0.2/24"], context, stop.Token);

        // Upload 1 MiB to the sink and wait for its close, as the bench's upload test does.
        IConnection? connection = null;
        for (int attempt = 0; connection is null; attempt++)
        {
            try
            {
                connection = await client.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 5001), CancellationToken.None);
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 100)
            {
                await Task.Delay(50); // the listeners are not up yet
            }
        }
        await using (connection)
        {
            var data = new byte[1 << 20];
            await connection.Stream.WriteAsync(data);
            connection.ShutdownSend();
            Assert.Equal(0, await connection.Stream.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        }
        await Task.Delay(200); // the server's connection task records its counters as it ends, right after our FIN

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await running.WaitAsync(TimeSpan.FromSeconds(20)));

        string error = cli.Error.ToString();
        var frames = Regex.Match(error, @"bench-server: frames in (\d+) \((\d+\.\d) MB\), out (\d+) \((\d+\.\d) MB\); tcp segments in (\d+), out (\d+)\n");
        Assert.True(frames.Success, error);
        Assert.True(long.Parse(frames.Groups[1].Value) > 700, error);          // 1 MiB in 1448-octet segments
        Assert.True(double.Parse(frames.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1.0, error);
        Assert.True(long.Parse(frames.Groups[5].Value) > 700, error);
        Assert.True(long.Parse(frames.Groups[6].Value) > 0, error);              // ACKs
        Assert.Contains("bench-server: connections 1 (1 ended): retransmits 0 (fast 0), timeouts 0\n", error);
        Assert.Contains("bench-server: offloads off; drops", error);
        Assert.Matches(new Regex(@"bench-server: process cpu \d+\.\d\d s \(user \d+\.\d\d, sys \d+\.\d\d\) in \d+\.\d s\n"), error);
    }

    [Fact]
    public void Format_ListsDropsByReasonAndOffloads()
    {
        var server = new BenchServer(new KernelNetwork(), null);
        var drops = new long[256];
        drops[(int)DropReason.BadChecksum] = 2;
        drops[(int)DropReason.NotOurMac] = 5;
        var stats = new NetworkStackStats
        {
            FramesIn = 10, BytesIn = 2_500_000, FramesOut = 4, BytesOut = 240, TcpSegmentsIn = 9, TcpSegmentsOut = 3,
            IcmpIn = new IcmpCounts(new long[256]), IcmpOut = new IcmpCounts(new long[256]), Drops = new DropCounts(drops),
        };
        var times = new BenchSummary.ProcessTimes(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.25), TimeSpan.FromSeconds(30));
        string text = BenchSummary.Format(server, stats, "offloads on, 7 super-frames in, 3 out", times);
        Assert.Equal(
            "bench-server: frames in 10 (2.5 MB), out 4 (0.0 MB); tcp segments in 9, out 3\n" +
            "bench-server: connections 0 (0 ended): retransmits 0 (fast 0), timeouts 0\n" +
            $"bench-server: offloads on, 7 super-frames in, 3 out; drops 7: {DropReason.BadChecksum} 2 {DropReason.NotOurMac} 5\n" +
            "bench-server: process cpu 3.75 s (user 1.50, sys 2.25) in 30.0 s\n", text);
    }

    [Fact]
    public void Format_OnTheKernel_HasOnlyConnections()
    {
        string text = BenchSummary.Format(new BenchServer(new KernelNetwork(), null), null, null);
        Assert.Equal("bench-server: connections 0 (0 ended): retransmits 0 (fast 0), timeouts 0\n", text);
    }
}
