using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Tests.Tcp.Congestion;

public class CubicCongestionControllerTests
{
    private const int Mss = 1000;

    /// <summary>Acks a window per round trip, one segment per ACK, until <paramref name="until"/>; returns the time reached.</summary>
    private static Instant RunRounds(CubicCongestionController cc, Instant start, TimeSpan rtt, TimeSpan until, Action<Instant>? perRound = null)
    {
        var now = start;
        while (now - start < until)
        {
            int segments = cc.Window / Mss;
            for (int i = 0; i < segments; i++)
                cc.OnAck(new TcpAckEvent { Now = now, BytesAcked = Mss, BytesDelivered = Mss, BytesInFlight = cc.Window, RttSample = rtt, RoundStart = i == 0 });
            now += rtt;
            perRound?.Invoke(now);
        }
        return now;
    }

    /// <summary>Leaves slow start at <paramref name="segments"/> segments through a loss and its full ACK.</summary>
    private static CubicCongestionController AfterLossAt(int segments)
    {
        var cc = new CubicCongestionController(Mss);
        var now = Instant.FromMilliseconds(1);
        while (cc.Window < segments * Mss)
            cc.OnAck(new TcpAckEvent { Now = now, BytesAcked = Mss, BytesDelivered = Mss, BytesInFlight = cc.Window });
        cc.OnRecoveryStart(cc.Window);
        cc.OnRecoveryQuota(0, 0);
        cc.OnRecoveryEnd(int.MaxValue / 2);
        return cc;
    }

    [Fact]
    public void Fresh_StartsInSlowStart_WithRfc6928Window()
    {
        var cc = new CubicCongestionController(Mss);
        Assert.Equal(10 * Mss, cc.Window);
        Assert.Equal("cubic", cc.Name);
        Assert.Equal("slow-start", cc.Phase);
    }

    [Fact]
    public void CongestionEvent_At100Segments_SsthreshIsBeta07_WMaxIs100()
    {
        var cc = AfterLossAt(100);
        Assert.Equal(70 * Mss, cc.SlowStartThreshold);
        Assert.Equal(70 * Mss, cc.Window);
        Assert.Equal(100, cc.WMax, 3);
        Assert.Equal("congestion-avoidance", cc.Phase);
    }

    [Fact]
    public void Avoidance_LongRtt_WindowFollowsCubicCurve_ReachesWMaxAtK()
    {
        // RFC 9438 §4.2: W_cubic(t) = C(t − K)³ + W_max, K = ∛((W_max − cwnd_epoch)/C) = ∛(30/0.4) ≈ 4.22 s. At 200 ms RTT the
        // Reno estimate (70 + 0.53 per RTT: 91 after 8 s) stays below the curve, so cwnd follows it: concave up to W_max, then convex.
        var cc = AfterLossAt(100);
        var rtt = TimeSpan.FromMilliseconds(200);
        var start = Instant.FromMilliseconds(10_000);
        var samples = new List<(double T, double Cwnd)>();
        RunRounds(cc, start, rtt, TimeSpan.FromSeconds(8), now => samples.Add(((now - start).TotalSeconds, cc.Window / (double)Mss)));
        Assert.Equal(Math.Cbrt(30 / 0.4), cc.K, 3);
        foreach (var (t, cwnd) in samples.Where(s => s.T >= 1))
        {
            double expected = (0.4 * Math.Pow(t - cc.K, 3)) + 100;
            Assert.InRange(cwnd, expected - 3, expected + 3);
        }
        var plateau = samples.Where(s => Math.Abs(s.T - cc.K) < 0.5).Select(s => s.Cwnd).ToList();
        Assert.All(plateau, c => Assert.InRange(c, 98, 102));
        Assert.True(samples[^1].Cwnd > 118, $"convex region past K: {samples[^1].Cwnd}");
    }

    [Fact]
    public void Avoidance_ShortRtt_RenoFriendlyRegion_WindowFollowsRenoEstimate()
    {
        // RFC 9438 §4.3: at 10 ms RTT the Reno estimate outgrows the curve; cwnd = W_est, above W_cubic(t).
        var cc = AfterLossAt(100);
        var rtt = TimeSpan.FromMilliseconds(10);
        var start = Instant.FromMilliseconds(10_000);
        RunRounds(cc, start, rtt, TimeSpan.FromSeconds(1));
        double cwnd = cc.Window / (double)Mss;
        double cubic = cc.CubicWindow(1.0);
        Assert.True(cwnd > cubic + 20, $"cwnd {cwnd} above W_cubic {cubic}");
        Assert.InRange(cwnd, cc.RenoEstimate - 1, cc.RenoEstimate + 1);
        // α = 0.53 until W_est reaches cwnd_prior (100), then 1: about 57 RTTs, then 43 more: ≈ 143 segments.
        Assert.InRange(cwnd, 135, 150);
    }

    [Fact]
    public void SecondLoss_BelowPreviousWMax_FastConvergenceLowersWMax()
    {
        // RFC 9438 §4.7: a loss below the previous W_max releases bandwidth: W_max = cwnd (1 + β)/2.
        var cc = AfterLossAt(100);
        var now = Instant.FromMilliseconds(10_000);
        while (cc.Window < 80 * Mss)
            now = RunRounds(cc, now, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));
        double cwnd = cc.Window / (double)Mss;
        Assert.InRange(cwnd, 80, 85);
        cc.OnRecoveryStart(cc.Window);
        Assert.InRange(cc.WMax, (cwnd * 1.7 / 2) - 0.01, ((cwnd + 0.001) * 1.7 / 2) + 0.01);
        Assert.InRange(cc.SlowStartThreshold, (int)(cwnd * Mss * 0.7) - 1, (int)(cwnd * Mss * 0.7) + 1);
    }

    [Fact]
    public void Timeout_ReducesOnce_CwndOneSegment_SpuriousUndoRestores()
    {
        var cc = AfterLossAt(100);
        int before = cc.Window;
        int ssthreshBefore = cc.SlowStartThreshold;
        cc.OnRetransmitTimeout(cc.Window);
        Assert.Equal(Mss, cc.Window);
        Assert.Equal((int)(before * 0.7), cc.SlowStartThreshold);
        Assert.Equal("loss", cc.Phase);
        cc.OnRetransmitTimeout(cc.Window); // a back-to-back timeout keeps ssthresh
        Assert.Equal((int)(before * 0.7), cc.SlowStartThreshold);
        cc.OnSpuriousRecovery();
        Assert.Equal(before, cc.Window);
        Assert.Equal(ssthreshBefore, cc.SlowStartThreshold);
        Assert.Equal(100, cc.WMax, 3);
    }

    [Fact]
    public void SlowStart_FlightHeldBelowCwnd_WindowStopsGrowing_EcnEchoThenCutsTheFlight()
    {
        // RFC 9438 §4.6 (reducing from cwnd requires cwnd not to grow past the flight) and §5.8: a receiver window
        // holding the flight at 100 segments keeps cwnd within three segments of it, however many ACKs arrive; an
        // ECN-Echo then takes the flight itself down by β. Before, cwnd doubled each round regardless (400 after two).
        var cc = new CubicCongestionController(Mss);
        var now = Instant.FromMilliseconds(1);
        while (cc.Window < 100 * Mss)
            cc.OnAck(new TcpAckEvent { Now = now, BytesAcked = Mss, BytesDelivered = Mss, BytesInFlight = cc.Window });
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 100; i++)
                cc.OnAck(new TcpAckEvent { Now = now, BytesAcked = Mss, BytesDelivered = Mss, BytesInFlight = 100 * Mss, RoundStart = i == 0 });
            now += TimeSpan.FromMilliseconds(20);
        }
        Assert.InRange(cc.Window, 100 * Mss, 104 * Mss);
        Assert.Equal("slow-start", cc.Phase);
        cc.OnEcnEcho(100 * Mss);
        Assert.True(cc.Window <= 73 * Mss, $"cwnd {cc.Window / Mss} after the echo");

        // A round that fills the window lets it grow again.
        int before = cc.Window;
        for (int i = 0; i < 10; i++)
            cc.OnAck(new TcpAckEvent { Now = now, BytesAcked = Mss, BytesDelivered = Mss, BytesInFlight = cc.Window, RoundStart = i == 0 });
        Assert.True(cc.Window > before);
    }

    [Fact]
    public void EcnEcho_ReducesLikeLoss_WithoutRecovery()
    {
        var cc = AfterLossAt(100);
        cc.OnEcnEcho(cc.Window);
        Assert.Equal(49 * Mss, cc.SlowStartThreshold);
        Assert.Equal(49 * Mss, cc.Window);
        Assert.False(cc.InRecovery);
    }

    [Fact]
    public void SlowStart_RttRisesByThreshold_EntersCss_ThenAvoidanceAfterFiveRounds()
    {
        // RFC 9406 §4.2: a round whose min RTT is ≥ last round's + clamp(last/8, 4 ms, 16 ms) enters CSS (growth /4);
        // CSS_ROUNDS rounds later ssthresh = cwnd and congestion avoidance starts.
        var cc = new CubicCongestionController(Mss);
        var now = Instant.FromMilliseconds(1_000);
        now = RunRounds(cc, now, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150));
        Assert.Equal("slow-start", cc.Phase);
        int beforeCss = cc.Window;
        // 50 ms + 6.25 ms threshold: 57 ms is an increase.
        now = RunRounds(cc, now, TimeSpan.FromMilliseconds(57), TimeSpan.FromMilliseconds(57));
        Assert.Equal(1, cc.HyStart.CssEntries);
        Assert.Equal("conservative-slow-start", cc.Phase);
        // CSS growth: a quarter of slow start's per ACK.
        int w = cc.Window;
        now = RunRounds(cc, now, TimeSpan.FromMilliseconds(57), TimeSpan.FromMilliseconds(57));
        Assert.InRange(cc.Window - w, (w / 4) - Mss, (w / 4) + Mss);
        Assert.True(beforeCss < w);
        now = RunRounds(cc, now, TimeSpan.FromMilliseconds(57), TimeSpan.FromMilliseconds(57 * 5));
        Assert.Equal("congestion-avoidance", cc.Phase);
        Assert.True(cc.SlowStartThreshold < int.MaxValue / 4);
        Assert.True(cc.HyStart.Finished);
    }

    [Fact]
    public void Css_RttFallsBelowBaseline_ReturnsToSlowStart()
    {
        var cc = new CubicCongestionController(Mss);
        var now = Instant.FromMilliseconds(1_000);
        now = RunRounds(cc, now, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150));
        now = RunRounds(cc, now, TimeSpan.FromMilliseconds(60), TimeSpan.FromMilliseconds(60));
        Assert.Equal("conservative-slow-start", cc.Phase);
        RunRounds(cc, now, TimeSpan.FromMilliseconds(52), TimeSpan.FromMilliseconds(52));
        Assert.Equal("slow-start", cc.Phase);
        Assert.False(cc.HyStart.Finished);
    }

    [Fact]
    public void SlowStart_SteadyRtt_NeverLeavesThroughHyStart()
    {
        var cc = new CubicCongestionController(Mss);
        RunRounds(cc, Instant.FromMilliseconds(1_000), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(300));
        Assert.Equal(0, cc.HyStart.CssEntries);
        Assert.Equal(640 * Mss, cc.Window);
    }
}
