using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Tests.Tcp;

public class NewRenoCongestionControllerTests
{
    private const int Mss = 1000;
    private static readonly Instant s_now = Instant.FromMilliseconds(1);

    [Theory]
    [InlineData(536, 5360)]     // 10*MSS
    [InlineData(1000, 10000)]   // 10*MSS
    [InlineData(1460, 14600)]   // both bounds meet
    [InlineData(4000, 14600)]   // 14600
    [InlineData(9000, 18000)]   // 2*MSS
    public void InitialWindow_FollowsRfc6928(int mss, int expected)
    {
        Assert.Equal(expected, new NewRenoCongestionController(mss).Window);
        var cc = new NewRenoCongestionController(536);
        cc.SetMss(mss);
        Assert.Equal(expected, cc.Window);
        Assert.False(cc.InRecovery);
    }

    [Fact]
    public void SetMss_AfterData_KeepsTheWindow()
    {
        var cc = new NewRenoCongestionController(Mss);
        cc.OnAck(s_now, Mss, 0);
        cc.SetMss(1460);
        Assert.Equal(11 * Mss, cc.Window);
    }

    [Fact]
    public void SlowStart_DoublesPerRoundTrip()
    {
        var cc = new NewRenoCongestionController(Mss);
        int window = cc.Window;
        for (int rtt = 0; rtt < 5; rtt++)
        {
            // One ACK per segment for a whole window.
            for (int acked = 0; acked < window; acked += Mss)
                cc.OnAck(s_now, Mss, window - acked - Mss);
            Assert.Equal(2 * window, cc.Window);
            window = cc.Window;
        }
        Assert.Equal(320 * Mss, cc.Window);
    }

    [Fact]
    public void SlowStart_DelayedAcks_StillDouble()
    {
        var cc = new NewRenoCongestionController(Mss);
        for (int acked = 0; acked < 10 * Mss; acked += 2 * Mss)
            cc.OnAck(s_now, 2 * Mss, 0);
        Assert.Equal(20 * Mss, cc.Window);
    }

    [Fact]
    public void SlowStart_StretchAck_GrowsAtMostTwoMss()
    {
        // RFC 3465 §2.2: L = 2*SMSS.
        var cc = new NewRenoCongestionController(Mss);
        cc.OnAck(s_now, 8 * Mss, 0);
        Assert.Equal(12 * Mss, cc.Window);
    }

    [Fact]
    public void CongestionAvoidance_AddsOneMssPerWindowAcked()
    {
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRetransmitTimeout(20 * Mss);          // ssthresh 10 MSS, cwnd 1 MSS
        Assert.Equal(10 * Mss, cc.SlowStartThreshold);
        Assert.Equal(Mss, cc.Window);
        // Slow start back to ssthresh, +1 MSS per ACKed MSS.
        int[] slowStart = [2, 3, 4, 5, 6, 7, 8, 9, 10];
        foreach (int expected in slowStart)
        {
            cc.OnAck(s_now, Mss, 0);
            Assert.Equal(expected * Mss, cc.Window);
        }
        // Congestion avoidance: 10 ACKs of 1 MSS (one window) add one MSS, and only at the tenth.
        for (int i = 0; i < 9; i++)
            cc.OnAck(s_now, Mss, 0);
        Assert.Equal(10 * Mss, cc.Window);
        cc.OnAck(s_now, Mss, 0);
        Assert.Equal(11 * Mss, cc.Window);
        // The next increase needs a full 11-MSS window.
        for (int i = 0; i < 10; i++)
            cc.OnAck(s_now, Mss, 0);
        Assert.Equal(11 * Mss, cc.Window);
        cc.OnAck(s_now, Mss, 0);
        Assert.Equal(12 * Mss, cc.Window);
    }

    [Fact]
    public void ThirdDuplicateAck_EntersFastRecovery()
    {
        // RFC 5681 §3.2 steps 2-3: ssthresh = flight/2, cwnd = ssthresh + 3*SMSS.
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRecoveryStart(20 * Mss);
        Assert.True(cc.InRecovery);
        Assert.Equal(10 * Mss, cc.SlowStartThreshold);
        Assert.Equal(13 * Mss, cc.Window);
    }

    [Fact]
    public void Loss_WithSmallFlight_SsthreshIsTwoMss()
    {
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRecoveryStart(3 * Mss);
        Assert.Equal(2 * Mss, cc.SlowStartThreshold);
        Assert.Equal(5 * Mss, cc.Window);
    }

    [Fact]
    public void Recovery_InflatesPerDuplicateAck_DeflatesOnPartialAck_EndsOnFullAck()
    {
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRecoveryStart(20 * Mss);                       // cwnd 13 MSS
        cc.OnDuplicateAck(20 * Mss);
        cc.OnDuplicateAck(20 * Mss);
        Assert.Equal(15 * Mss, cc.Window);         // step 4: +1 MSS each

        cc.OnRecoveryStart(20 * Mss);                       // a repeated entry while in recovery changes nothing
        Assert.Equal(15 * Mss, cc.Window);
        cc.OnAck(s_now, 5 * Mss, 15 * Mss);        // new-ACK growth is suspended in recovery
        Assert.Equal(15 * Mss, cc.Window);

        cc.OnPartialAck(3 * Mss);                  // RFC 6582 step 5: -3 MSS, +1 MSS
        Assert.Equal(13 * Mss, cc.Window);
        cc.OnPartialAck(Mss / 2);                  // less than SMSS: no add-back
        Assert.Equal(12 * Mss + Mss / 2, cc.Window);
        Assert.True(cc.InRecovery);

        cc.OnRecoveryEnd(4 * Mss);                 // step 6: min(ssthresh, max(flight, SMSS) + SMSS)
        Assert.False(cc.InRecovery);
        Assert.Equal(5 * Mss, cc.Window);
        Assert.Equal(10 * Mss, cc.SlowStartThreshold);
    }

    [Fact]
    public void RecoveryEnd_WithLargeFlight_DeflatesToSsthresh()
    {
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRecoveryStart(20 * Mss);
        cc.OnRecoveryEnd(15 * Mss);
        Assert.Equal(10 * Mss, cc.Window);
        // Back in congestion avoidance (cwnd >= ssthresh): +1 MSS after a window of ACKs.
        for (int i = 0; i < 10; i++)
            cc.OnAck(s_now, Mss, 0);
        Assert.Equal(11 * Mss, cc.Window);
    }

    [Fact]
    public void DuplicateAck_OutsideRecovery_ChangesNothing()
    {
        var cc = new NewRenoCongestionController(Mss);
        cc.OnDuplicateAck(5 * Mss);
        cc.OnPartialAck(Mss);
        cc.OnRecoveryEnd(Mss);
        Assert.Equal(10 * Mss, cc.Window);
        Assert.False(cc.InRecovery);
    }

    [Fact]
    public void RetransmitTimeout_CollapsesToOneMssAndLeavesRecovery()
    {
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRecoveryStart(40 * Mss);
        cc.OnRetransmitTimeout(30 * Mss);
        Assert.False(cc.InRecovery);
        Assert.Equal(Mss, cc.Window);
        Assert.Equal(15 * Mss, cc.SlowStartThreshold);
    }

    [Fact]
    public void SlowStartAfterTimeout_StretchAck_GrowsAtMostOneMss()
    {
        // RFC 3465 §2.3: L = 1*SMSS in the slow start that follows an RTO.
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRetransmitTimeout(40 * Mss);
        cc.OnAck(s_now, 8 * Mss, 0);
        Assert.Equal(2 * Mss, cc.Window);
        cc.OnAck(s_now, Mss, 0);
        Assert.Equal(3 * Mss, cc.Window);

        // After a fast-recovery episode the ordinary limit applies again.
        cc.OnRecoveryStart(10 * Mss);
        cc.OnRecoveryEnd(0);                       // min(ssthresh 5, max(0, 1) + 1) = 2 MSS
        Assert.Equal(2 * Mss, cc.Window);
        cc.OnAck(s_now, 8 * Mss, 0);
        Assert.Equal(4 * Mss, cc.Window);
    }

    [Fact]
    public void RepeatedRetransmitTimeout_KeepsSsthresh()
    {
        // RFC 5681 §3.1: ssthresh is reduced only on the first timeout of a segment.
        var cc = new NewRenoCongestionController(Mss);
        cc.OnRetransmitTimeout(30 * Mss);
        cc.OnRetransmitTimeout(Mss);
        Assert.Equal(15 * Mss, cc.SlowStartThreshold);
        Assert.Equal(Mss, cc.Window);
        // After new data is ACKed, a later timeout reduces it again.
        cc.OnAck(s_now, Mss, 3 * Mss);
        cc.OnRetransmitTimeout(6 * Mss);
        Assert.Equal(3 * Mss, cc.SlowStartThreshold);
    }

    [Fact]
    public void Window_NeverOverflows()
    {
        var cc = new NewRenoCongestionController(Mss);
        for (int i = 0; i < 2_000_000; i++)
            cc.OnAck(s_now, int.MaxValue, int.MaxValue);
        Assert.InRange(cc.Window, 10 * Mss, 1 << 30);
    }

    [Fact]
    public void Controller_IsUsableThroughTheInterface()
    {
        ICongestionController cc = new NewRenoCongestionController(Mss);
        cc.OnRecoveryStart(10 * Mss);
        Assert.True(cc.InRecovery);
        Assert.Equal(5 * Mss, cc.SlowStartThreshold);
    }
}
