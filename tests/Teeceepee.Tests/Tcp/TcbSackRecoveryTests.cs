using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// The sender's loss recovery rule by rule: RFC 6675 (IsLost, pipe, NextSeg 1-4), RFC 6937 PRR, lost
/// retransmissions found without a timeout, RFC 8985 tail loss probe and the reordering-window loss mark.
/// </summary>
public class TcbSackRecoveryTests
{
    private const int Mss = 1460;

    private static TcbHarness EstablishedWithSack()
    {
        var h = Passive();
        h.Send(Syn with { SackPermitted = true });
        h.Dispatch();
        h.Send(In);
        return h;
    }

    private static SeqNumber Seg(int i) => LocalIsn + 1 + (i * Mss);

    private static TcpSackBlocks Sack(params (int From, int To)[] segs)
    {
        var blocks = new TcpSackBlocks();
        foreach (var (from, to) in segs)
            blocks.TryAdd(new TcpSackBlock(Seg(from), Seg(to)));
        return blocks;
    }

    private static TcpRepr DupAck(params (int From, int To)[] segs) => In with { AckNumber = Seg(0), SackBlocks = Sack(segs) };

    /// <summary>
    /// Segment 2 is SACKed before segment 1: RACK has seen reordering (RFC 8985 §6.2 step 3) and keeps a reordering window
    /// in recovery too, so holes sent at the same instant as SACKed data are not lost at once and RFC 6675's rules decide.
    /// </summary>
    private static void SeeReordering(TcbHarness h)
    {
        h.Send(DupAck((2, 3)), atMs: 1);
        h.Dispatch();
        h.Send(DupAck((1, 3)), atMs: 1);
        h.Dispatch();
    }

    [Fact]
    public void ThreeSegmentsSackedAboveHole_IsLost_EntersRecoveryWithoutThreeDuplicates()
    {
        // RFC 6675 §5: IsLost(HighACK + 1) starts recovery: more than (DupThresh - 1) * SMSS SACKed above it.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(DupAck((1, 4)), atMs: 1);
        var segs = h.Dispatch();
        Assert.Equal(Seg(0), segs[0].SeqNumber);
        Assert.Equal(1, h.Tcb.GetInfo().FastRetransmits);
    }

    [Fact]
    public void TwoSegmentsSacked_NotLostYet_LimitedTransmitSendsNewData()
    {
        // Two SACKed segments are not DupThresh: no retransmission, but RFC 3042 releases new data.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(20 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(DupAck((1, 2)), atMs: 1);
        h.Send(DupAck((1, 3)), atMs: 1);
        var segs = h.Dispatch();
        Assert.DoesNotContain(segs, s => s.SeqNumber == Seg(0));
        Assert.Equal([Seg(10), Seg(11)], segs.Select(s => s.SeqNumber));
        Assert.Equal(0, h.Tcb.GetInfo().FastRetransmits);
    }

    [Fact]
    public void HoleBelowSack_StillThereAfterReorderingWindow_IsRetransmitted()
    {
        // A two-segment flight cannot produce three duplicates. RFC 8985 §6.2's idea: once later-sent data was
        // delivered and the hole outlives the reordering window (SRTT/4, at least 1 ms), it is lost.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(2 * Mss));
        Assert.Equal(2, h.Dispatch().Count);
        h.Send(DupAck((1, 2)), atMs: 1);
        Assert.Empty(h.Dispatch());
        var sent = h.RunUntil(15);
        Assert.Equal([(2L, Seg(0))], sent.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.FastRetransmits);
        Assert.Equal(0, info.Timeouts);
    }

    [Fact]
    public void HoleFilledWithinReorderingWindow_NothingRetransmitted()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(2 * Mss));
        h.Dispatch();
        h.Send(DupAck((1, 2)), atMs: 1);
        h.Send(In with { AckNumber = Seg(2) }, atMs: 1); // segment 0 was only late
        Assert.Empty(h.RunUntil(150));
        Assert.Equal(0, h.Tcb.GetInfo().Retransmits);
    }

    [Fact]
    public void Recovery_PipeAboveSsthresh_PrrSendsAboutOneSegmentPerTwoDelivered()
    {
        // RFC 6937 §3: while pipe > ssthresh, sndcnt = ceil(prr_delivered * ssthresh / RecoverFS) - prr_out:
        // with ssthresh = RecoverFS / 2, one segment for every two delivered.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(40 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(DupAck((1, 4)), atMs: 1);
        // Three delivered: ceil(3 * 5 / 10) = 2 segments, the fast retransmit first (it goes regardless of cwnd).
        Assert.Equal([Seg(0), Seg(10)], h.Dispatch().Select(s => s.SeqNumber));
        int sent = 2;
        for (int i = 5; i <= 8; i++)
        {
            h.Send(DupAck((1, i)), atMs: 1);
            sent += h.Dispatch().Count(s => s.PayloadLength > 0);
        }
        // Seven delivered: ceil(7 * 5 / 10) = 4 allowed, but pipe (8, 9, 10, 11 and the resent 0) has come
        // down to ssthresh, where PRR holds it: three sent.
        Assert.Equal(3, sent);
        h.Send(DupAck((1, 9)), atMs: 1);
        Assert.Single(h.Dispatch()); // one more delivered, pipe 4 < ssthresh: one goes
        Assert.Equal(0, h.Tcb.GetInfo().Timeouts);
    }

    [Fact]
    public void Recovery_NextSegRule2_SendsNewDataBeforeUnprovenHoles()
    {
        // Segment 8 is unSACKed below the highest SACK but not lost by IsLost (only one segment above it):
        // with new data waiting, rule 2 sends new data rather than resending it (rule 3).
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(40 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        SeeReordering(h); // without reordering seen, RACK would call 8 lost at once in recovery (reo_wnd = 0, §6.2 step 4)
        h.Send(DupAck((1, 8), (9, 10)), atMs: 1);
        var segs = h.Dispatch();
        Assert.Equal(Seg(0), segs[0].SeqNumber);
        Assert.DoesNotContain(segs, s => s.SeqNumber == Seg(8));
        Assert.All(segs.Skip(1), s => Assert.True(s.SeqNumber >= Seg(10)));
    }

    [Fact]
    public void Recovery_RetransmissionLost_ResentOnceLaterDataIsSacked_NoTimeout()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(40 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(DupAck((1, 4)), atMs: 1);
        var first = h.Dispatch();
        Assert.Equal(Seg(0), first[0].SeqNumber);
        // Keep SACKing the rest of the window: PRR lets new data (10, 11, ...) out after the retransmission.
        var newData = first.Where(s => s.SeqNumber >= Seg(10)).Select(s => s.SeqNumber).ToList();
        for (int i = 5; i <= 10; i++)
        {
            h.Send(DupAck((1, i)), atMs: 1);
            newData.AddRange(h.Dispatch().Where(s => s.SeqNumber >= Seg(10)).Select(s => s.SeqNumber));
        }
        Assert.Contains(Seg(10), newData);
        Assert.Equal(0, h.Tcb.GetInfo().LostRetransmits);
        // Segment 10, sent after the retransmission of 0, arrives; 0 still has not: that retransmission was lost.
        h.Send(DupAck((1, 11)), atMs: 1);
        var again = h.Dispatch();
        Assert.Equal(Seg(0), again[0].SeqNumber);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.LostRetransmits);
        Assert.Equal(0, info.Timeouts);
        // The second copy arrives: everything up to 11 is acknowledged and recovery goes on.
        h.Send(In with { AckNumber = Seg(11) }, atMs: 1);
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void Recovery_NoNewData_NextSegRule3ResendsUnprovenHole_Rule4RescuesTail()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        SeeReordering(h); // else RACK calls 5 lost at once in recovery (reo_wnd = 0 until reordering is seen)
        // 0 lost (3+ SACKed above), 5 unSACKed with one segment above (not IsLost), 9 the unSACKed tail.
        h.Send(DupAck((1, 5), (6, 7)), atMs: 1);
        Assert.Equal([Seg(0)], h.Dispatch().Select(s => s.SeqNumber));
        h.Send(DupAck((1, 5), (6, 9)), atMs: 1);
        // Now 5 is lost (three above): rule 1. Nothing new to send, so rule 4 may rescue the tail (9) once.
        var segs = h.Dispatch().Select(s => s.SeqNumber).ToList();
        Assert.Equal(Seg(5), segs[0]);
        Assert.Contains(Seg(9), segs);
        Assert.Single(segs, s => s == Seg(9));
        Assert.Equal(0, h.Tcb.GetInfo().Timeouts);
    }

    [Fact]
    public void Recovery_FullAck_EndsRecovery_CwndIsSsthresh()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        h.Dispatch();
        h.Send(DupAck((1, 4)), atMs: 1);
        h.Dispatch();
        h.Send(In with { AckNumber = Seg(10) }, atMs: 1);
        // RFC 6937 §3.1: recovery ends with cwnd = ssthresh (PRR kept the flight near it, so no burst follows).
        var info = h.Tcb.GetInfo();
        Assert.Equal(5 * Mss, info.SlowStartThreshold);
        Assert.Equal(info.SlowStartThreshold, info.CongestionWindow);
    }

    [Fact]
    public void TailLossProbe_NothingNew_ResendsLastSegmentAfterPto_ThenRtoStillGuards()
    {
        // RFC 8985 §7: PTO = 2*SRTT (+2 ms); the probe is the last segment when no new data can go.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(3 * Mss));
        Assert.Equal(3, h.Dispatch().Count);
        var sent = h.RunUntil(100);
        Assert.Equal([(2L, Seg(2))], sent.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        Assert.Equal(1, h.Tcb.LossProbes);
        Assert.Equal(0, h.Tcb.GetInfo().Timeouts);
        // One probe only: the RTO (from the probe) covers the rest.
        sent = h.RunUntil(300);
        Assert.Equal([(202L, Seg(0))], sent.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        Assert.Equal(1, h.Tcb.LossProbes);
    }

    [Fact]
    public void TailLossProbe_WithNewData_SendsTwoNewSegmentsBeyondCwnd_ItsAckStartsRecovery()
    {
        // §7.3 prefers new data; we send two segments, so that a delayed-ACK receiver answers at once.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(14 * Mss));
        Assert.Equal(10, h.Dispatch().Count); // initial window
        var sent = h.RunUntil(2);
        Assert.Equal([(2L, Seg(10)), (2L, Seg(11))], sent.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        Assert.Equal(1, h.Tcb.LossProbes);
        // The probe's ACK shows everything but segment 0 arrived: recovery at once, not a timeout.
        h.Send(DupAck((1, 12)), atMs: 3);
        Assert.Equal(Seg(0), h.Dispatch()[0].SeqNumber);
        Assert.Equal(1, h.Tcb.LossProbes);
        Assert.Equal(0, h.Tcb.GetInfo().Timeouts);
    }

    [Fact]
    public void Recovery_NoAckForPto_OldestRetransmissionResent_NoTimeout()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(DupAck((1, 10)), atMs: 1);
        Assert.Equal([Seg(0)], h.Dispatch().Select(s => s.SeqNumber));
        // The retransmission (or its ACK) is lost and nothing else is in flight to tell: after PTO it goes again.
        var sent = h.RunUntil(50);
        Assert.Equal([(3L, Seg(0))], sent.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.LostRetransmits);
        Assert.Equal(0, info.Timeouts);
        h.Send(In with { AckNumber = Seg(10) }, atMs: 51);
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void TailLossProbe_NotWithoutSack()
    {
        var h = Established();
        h.Tcb.Send(Bytes(3 * Mss));
        h.Dispatch();
        var sent = h.RunUntil(150);
        Assert.Empty(sent);
        Assert.Equal(0, h.Tcb.LossProbes);
    }

    [Fact]
    public void NoSack_NewReno_PartialAck_ResendsNextHole_FullAckEndsRecovery()
    {
        // RFC 6582 §3.2 steps 5-6 for a peer without SACK.
        var h = Established();
        h.Tcb.Send(Bytes(10 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        for (int i = 0; i < 3; i++)
            h.Send(In with { AckNumber = Seg(0) }, atMs: 1);
        var segs = h.Dispatch();
        Assert.Equal(Seg(0), segs[0].SeqNumber);
        h.Send(In with { AckNumber = Seg(4) }, atMs: 1); // partial: 4 was lost too
        Assert.Equal(Seg(4), h.Dispatch()[0].SeqNumber);
        h.Send(In with { AckNumber = Seg(10) }, atMs: 1);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.FastRetransmits);
        Assert.Equal(0, info.Timeouts);
        // Step 6 option 1: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS), nothing in flight.
        Assert.Equal(2 * Mss, info.CongestionWindow);
    }
}
