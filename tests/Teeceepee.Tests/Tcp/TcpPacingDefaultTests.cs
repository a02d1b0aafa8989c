using System.Security.Cryptography;
using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// Pacing is on by default for the window-based controllers (issue 11 item 2: "the stack paces its sends for every
/// controller when the rate is known"): on a 20 ms path with no bottleneck to space them, an unpaced sender's slow start
/// leaves in bursts at the instant each ACK arrives, a paced one spreads the window over the RTT.
/// </summary>
public class TcpPacingDefaultTests
{
    private const int Bytes = 1 << 20;

    /// <summary>Data departures from A during one 1 MiB transfer on a loss-free 20 ms RTT loopback, and A's largest pacing rate.</summary>
    private static (List<Instant> Departures, long MaxPacingRate, TcpInfo Info) Transfer(TcpConfig config)
    {
        var net = new TcpLoopback(11, config: config) { Latency = TimeSpan.FromMilliseconds(10), Departures = [] };
        var payload = new byte[Bytes];
        new Random(11).NextBytes(payload);
        var (ok, received, client, maxPacing) = net.BulkTransfer(payload, 60_000);
        Assert.True(ok, $"transfer did not finish: {client.GetInfo()}");
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
        var departures = net.Departures.Where(d => d.ToB && d.PayloadLength > 0).Select(d => d.At).ToList();
        return (departures, maxPacing, client.GetInfo());
    }

    /// <summary>The most data segments that left A at one instant after the first RTT (the initial window is unpaced).</summary>
    private static int LargestBurst(List<Instant> departures)
    {
        var afterFirstRtt = departures[0] + TimeSpan.FromMilliseconds(25);
        return departures.Where(t => t > afterFirstRtt).GroupBy(t => t).Max(g => g.Count());
    }

    [Fact]
    public void Default_IsPaced()
    {
        Assert.True(TcpConfig.Default.Pacing);
        Assert.Equal(CongestionAlgorithm.Cubic, TcpConfig.Default.CongestionControl);
    }

    [Theory]
    [InlineData(CongestionAlgorithm.Cubic)]
    [InlineData(CongestionAlgorithm.NewReno)]
    public void DefaultConfig_SlowStart_DeparturesSpreadOverTheRtt(CongestionAlgorithm algorithm)
    {
        var (departures, maxPacing, info) = Transfer(TcpConfig.Default with { CongestionControl = algorithm });
        Assert.True(maxPacing > 0, "a rate once SRTT is known");
        Assert.Equal(0, info.Retransmits);
        // 2×cwnd/SRTT in slow start: up to ~470 KB cwnd over 20 ms is 47 MB/s, 31 µs per segment (spaced by data
        // octets); the 100 µs slack and the schedule's catch-up let a handful leave together, never the window.
        int burst = LargestBurst(departures);
        Assert.InRange(burst, 1, 5);
    }

    [Theory]
    [InlineData(CongestionAlgorithm.Cubic)]
    [InlineData(CongestionAlgorithm.NewReno)]
    public void PacingOptOut_SlowStart_WindowLeavesInBursts(CongestionAlgorithm algorithm)
    {
        var (departures, maxPacing, _) = Transfer(TcpConfig.Default with { CongestionControl = algorithm, Pacing = false });
        Assert.Equal(0, maxPacing);
        // Each ACK of two segments releases three or more at its instant, and a delayed ACK's stretch releases more.
        Assert.True(LargestBurst(departures) >= 3, $"largest burst {LargestBurst(departures)}");
    }
}
