using Teeceepee.Tcp;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

public class TcbPacingTests
{
    private const int Mss = 1460;

    // The loop wakes this long before a departure: a departure due within it leaves at once (Tcb.PacingSlackTicks).
    private static readonly TimeSpan Slack = TimeSpan.FromTicks(Tcb.PacingSlackTicks);

    /// <summary>Ten segments out at t = 0, two ACKed at 100 ms: SRTT = 100 ms, cwnd = 12 segments, 4 may go.</summary>
    private static TcbHarness AfterFirstRtt(bool pacing, bool delayedAcks = true, long rttMs = 100)
    {
        var h = Established(DefaultConfig with { Pacing = pacing, DelayedAckTimeout = delayedAcks ? DefaultConfig.DelayedAckTimeout : TimeSpan.Zero });
        h.Tcb.Send(Bytes(40 * Mss));
        Assert.Equal(10, h.Dispatch().Count); // no RTT yet: the initial window is not paced
        h.Send(In with { AckNumber = LocalIsn + 1 + (2 * Mss) }, atMs: rttMs);
        return h;
    }

    [Fact]
    public void PacingOff_AckOpensFourSegments_AllLeaveAtOnce()
    {
        var h = AfterFirstRtt(pacing: false);
        Assert.Equal(4, h.Dispatch().Count);
        Assert.Equal(0, h.Tcb.GetInfo().PacingRate);
    }

    [Fact]
    public void PacingOn_SlowStart_RateIsTwiceCwndOverSrtt_SegmentsLeaveSpaced()
    {
        // Linux tcp_update_pacing_rate: 200 % of cwnd/SRTT in slow start; one segment per MSS/rate s (data octets: the rate's own unit).
        var h = AfterFirstRtt(pacing: true);
        var info = h.Tcb.GetInfo();
        long rate = 2L * info.CongestionWindow * TimeSpan.TicksPerSecond / info.SmoothedRtt!.Value.Ticks;
        Assert.Equal(12 * Mss, info.CongestionWindow);
        Assert.InRange(info.PacingRate, rate - 1, rate + 1);
        var gap = TimeSpan.FromTicks((long)Mss * TimeSpan.TicksPerSecond / info.PacingRate);
        Assert.Single(h.Dispatch());
        Assert.Equal(h.Now + gap - Slack, h.Tcb.PollAt()); // the loop wakes within the slack of the departure
        h.ExpectNothing(); // held until then
        for (int i = 0; i < 3; i++)
        {
            var due = h.Tcb.PollAt();
            Assert.True(due > h.Now);
            h.AdvanceTo(due); // the loop wakes at the departure time (a timerfd, to the microsecond)
            Assert.Single(h.Dispatch());
        }
        Assert.Equal(12 * Mss, h.Tcb.GetInfo().BytesInFlight);
        Assert.True(h.Now >= Instant.FromMilliseconds(100) + (3 * (gap - Slack)));
    }

    [Fact]
    public void PacingOn_LoopWakesLate_HalfTheNextSpacingIsForgiven()
    {
        // Linux tcp_update_skb_after_send: a late departure earns credit up to half the segment's spacing (OS jitter).
        var h = AfterFirstRtt(pacing: true);
        var gap = TimeSpan.FromTicks((long)Mss * TimeSpan.TicksPerSecond / h.Tcb.GetInfo().PacingRate);
        Assert.Single(h.Dispatch());
        Assert.Equal(h.Now + gap - Slack, h.Tcb.PollAt()); // on time: the full spacing
        h.AdvanceTo((long)Math.Ceiling((h.Tcb.PollAt() - Instant.Zero).TotalMilliseconds) + 50); // the loop woke 50 ms late
        Assert.Single(h.Dispatch());
        Assert.Equal(h.Now + TimeSpan.FromTicks(gap.Ticks - (gap.Ticks / 2)) - Slack, h.Tcb.PollAt());
    }

    [Fact]
    public void PacingOn_LoopWakesOneAndAHalfSpacingsLate_CatchesUp_TwoSegmentsLeave()
    {
        // A loop that wakes within 2 ms of a departure keeps the schedule: the departure it missed leaves now, and so
        // does the next if it too is due, so late wake-ups on a busy host do not lower the rate.
        var h = AfterFirstRtt(pacing: true);
        var gap = TimeSpan.FromTicks((long)Mss * TimeSpan.TicksPerSecond / h.Tcb.GetInfo().PacingRate);
        Assert.True(gap < TimeSpan.FromMilliseconds(1.3), $"gap {gap}");
        Assert.Single(h.Dispatch());
        var due = h.Tcb.PollAt();
        h.AdvanceTo(due + (gap * 1.5));
        Assert.Equal(2, h.Dispatch().Count);
        Assert.Equal(due + Slack + (2 * gap) - Slack, h.Tcb.PollAt()); // due is the wake-up, a slack before the departure
    }

    [Fact]
    public void PacingOn_GapBelowTheSlack_NotHeld_AllLeaveAtOnce()
    {
        // SRTT 1 ms (the handshake's zero sample, then 8 ms: RFC 6298 §2.3 weighs it by 1/8), cwnd 12 segments:
        // 2×cwnd/SRTT is 35 MB/s, 42 µs per segment, under the 100 µs a loop wake-up can keep. Holding for gaps that
        // short would cost a wake-up per segment at zero delay and 10+ Gbit/s, and pace nothing.
        var h = AfterFirstRtt(pacing: true, rttMs: 8);
        var info = h.Tcb.GetInfo();
        Assert.Equal(TimeSpan.FromMilliseconds(1), info.SmoothedRtt);
        var gap = TimeSpan.FromTicks((long)Mss * TimeSpan.TicksPerSecond / info.PacingRate);
        Assert.InRange(gap, TimeSpan.FromMicroseconds(40), TimeSpan.FromMicroseconds(45));
        Assert.Equal(3, h.Dispatch().Count); // due now, in 42 and in 84 µs: within the slack; the fourth is held
        Assert.Equal(h.Now + (3 * gap) - Slack, h.Tcb.PollAt()); // the schedule advanced from each due time
        h.AdvanceTo(h.Tcb.PollAt());
        Assert.Single(h.Dispatch());
        Assert.Equal(12 * Mss, h.Tcb.GetInfo().BytesInFlight);
    }

    [Fact]
    public void PacingOn_AckStillAnsweredWhileDataIsHeld()
    {
        var h = AfterFirstRtt(pacing: true, delayedAcks: false);
        h.Dispatch();
        h.Send(In with { AckNumber = LocalIsn + 1 + (2 * Mss), SeqNumber = RemoteIsn + 1 }, Bytes(100), atMs: 100);
        var segments = h.Dispatch();
        Assert.Single(segments); // the ACK of the peer's data goes; data waits for its departure time
        Assert.Equal(0, segments[0].PayloadLength);
    }

    [Fact]
    public void PacingOn_PathUnderFourMilliseconds_RateNotKnown_Unpaced()
    {
        // A 2 ms path (min RTT under PacingMinRtt): a 1 ms timestamp clock cannot tell its RTT from 1 or 3 ms, so no
        // rate is derived and the window leaves as the ACK clock allows, as with the opt-out.
        var h = AfterFirstRtt(pacing: true, rttMs: 2);
        Assert.Equal(0, h.Tcb.GetInfo().PacingRate);
        Assert.Equal(4, h.Dispatch().Count);
    }
}
