using System.Globalization;
using Teeceepee.Links;
using Teeceepee.Tcp;
using Xunit.Abstractions;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// Receive-window autotuning (Linux tcp_rcv_space_adjust) on virtual time: the receiver offers 64 KiB first and grows the
/// window with what arrives per RTT, which keeps a slow-starting sender from overshooting a bottleneck queue by the
/// whole receive buffer (issue 11: a kernel CUBIC sender retransmitted ~5× as much toward the stack on path (a)).
/// </summary>
public class ReceiveWindowAutoTuningTests(ITestOutputHelper output)
{
    /// <summary>Path (a) of issue 11: 100 Mbit/s, 20 ms RTT, a 1 BDP (250 KB) drop-tail queue, no random loss.</summary>
    private static readonly FaultOptions PathA = new()
    {
        RateBitsPerSecond = 100_000_000,
        Delay = TimeSpan.FromMilliseconds(10),
        QueueTime = TimeSpan.FromMilliseconds(20),
    };

    private sealed record Outcome(double Mbps, TcpInfo Sender, long QueueDrops, List<long> Windows);

    /// <summary>An unpaced CUBIC sender (as the kernel's without fq) sends 16 MB from A to B; B's windows are recorded.</summary>
    private static async Task<Outcome> TransferAsync(bool autoTuning, int seed = 1)
    {
        var tcp = TcpConfig.Default with
        {
            Msl = TimeSpan.FromSeconds(1),
            Pacing = false,
            SendBufferSize = 8 << 20,
            ReceiveBufferSize = 8 << 20,
            ReceiveWindowAutoTuning = autoTuning,
        };
        await using var net = new SimNetwork(seed, PathA, tcp);
        var (client, server) = net.Establish();
        var data = new byte[16 << 20];
        new Random(seed).NextBytes(data);
        using var leg = new StreamLeg(data);
        var scratch = new byte[64 * 1024];
        var start = net.Now;
        var windows = new List<long>();
        double nextSample = 0;
        net.RunUntilOrFail(() =>
        {
            leg.Pump(client, server, scratch);
            double at = (net.Now - start).TotalSeconds;
            if (at >= nextSample)
            {
                windows.Add(client.GetInfo().PeerWindow);
                nextSample += 0.02; // one sample per base RTT
            }
            return leg.Complete;
        }, TimeSpan.FromMinutes(2), "transfer");
        Assert.Equal(leg.ExpectedHash, leg.ReceivedHash);
        double seconds = (net.Now - start).TotalSeconds;
        return new Outcome(data.Length * 8 / seconds / 1e6, client.GetInfo(), net.FaultsA.Outbound.QueueDropped, windows);
    }

    [Fact]
    public async Task Receiver_WindowStartsAt64KiB_GrowsWithDelivery_NeverBelowTheBdp()
    {
        var o = await TransferAsync(autoTuning: true);
        output.WriteLine(string.Join(' ', o.Windows.Take(30)));
        Assert.InRange(o.Windows[1], 1, Tcb.AutoTuneInitialWindow);
        // Grown past the 250 KB BDP within a second, and never held below it after that.
        Assert.True(o.Windows.Skip(50).All(w => w > 250_000), string.Join(' ', o.Windows.Skip(50).Where(w => w <= 250_000)));
        Assert.True(o.Mbps > 80, $"{o.Mbps:F1} Mbit/s");
    }

    [Fact]
    public async Task UnpacedSender_OneBdpQueue_AutoTunedReceiver_FewerRetransmissionsMoreGoodputThanAWholeBufferWindow()
    {
        var tuned = await TransferAsync(autoTuning: true);
        var whole = await TransferAsync(autoTuning: false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"autotuned: {tuned.Mbps:F1} Mbit/s, drops {tuned.QueueDrops}, retransmits {tuned.Sender.Retransmits}, timeouts {tuned.Sender.Timeouts}; " +
            $"8 MB window: {whole.Mbps:F1} Mbit/s, drops {whole.QueueDrops}, retransmits {whole.Sender.Retransmits}, timeouts {whole.Sender.Timeouts}"));
        // Seed 1: 504 retransmissions and 88.9 Mbit/s against 755 and 82.6 with the whole 8 MB offered at once (queue
        // drops 439 vs 452: the sender's own excess retransmissions after the larger slow-start overshoot make the rest).
        Assert.True(tuned.Sender.Retransmits * 4 <= whole.Sender.Retransmits * 3, $"retransmits {tuned.Sender.Retransmits} vs {whole.Sender.Retransmits}");
        Assert.True(tuned.QueueDrops <= whole.QueueDrops, $"drops {tuned.QueueDrops} vs {whole.QueueDrops}");
        Assert.True(tuned.Mbps > whole.Mbps, $"{tuned.Mbps:F1} vs {whole.Mbps:F1} Mbit/s");
    }
}
