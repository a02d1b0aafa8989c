using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// RACK-TLP (RFC 8985) rule by rule on virtual time, with a 40 ms path: time-based loss marks (§6.2), the reordering
/// timer (§6.3), lost retransmissions found from send times in fast recovery and after a timeout, and the tail loss
/// probe's episode (§7.4). The peer is played by hand: a segment "lost" is one the test never acknowledges.
/// </summary>
public class TcbRackTests
{
    private const int Mss = 1460;
    private const int RttMs = 40;

    /// <summary>ESTABLISHED with SACK; the handshake took <see cref="RttMs"/>: SRTT = min RTT = 40 ms, RTO = 200 ms (the floor).</summary>
    private static TcbHarness EstablishedWithSack()
    {
        var h = Passive();
        h.Send(Syn with { SackPermitted = true });
        h.Dispatch();
        h.Send(In, atMs: RttMs);
        return h;
    }

    private static SeqNumber Seg(int i) => LocalIsn + 1 + (i * Mss);

    private static TcpRepr Ack(int upTo, params (int From, int To)[] sacked)
    {
        var blocks = new TcpSackBlocks();
        foreach (var (from, to) in sacked)
            blocks.TryAdd(new TcpSackBlock(Seg(from), Seg(to)));
        return In with { AckNumber = Seg(upTo), SackBlocks = blocks };
    }

    private static List<SeqNumber> DataSeqs(List<TcpRepr> segs) => segs.Where(s => s.PayloadLength > 0).Select(s => s.SeqNumber).ToList();

    [Fact]
    public void RackTimeBasedLoss_SegmentSentLaterIsSacked_EarlierHoleLostAtOnce_WithoutDupThresh()
    {
        // §6.2 step 5: segment 0 left 20 ms before segment 1, more than reo_wnd (min RTT / 4 = 10 ms): when 1 is SACKed,
        // 0 is lost, although only one segment is SACKed above it (RFC 6675 would wait for three).
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(Mss));
        Assert.Single(h.Dispatch());
        h.AdvanceTo(60);
        h.Tcb.Send(Bytes(Mss));
        Assert.Equal([Seg(1)], DataSeqs(h.Dispatch()));
        h.Send(Ack(0, (1, 2)), atMs: 100);
        Assert.Equal([Seg(0)], DataSeqs(h.Dispatch()));
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.RackLostSegments);
        Assert.Equal(1, info.FastRetransmits);
    }

    [Fact]
    public void RackReorderTimer_HoleSentWithTheSackedSegment_LostOneReorderWindowAfterRackRtt()
    {
        // Segments 0 and 1 leave together at 40 ms; 1 is SACKed at 80 ms (RACK.rtt = 40 ms). Segment 0 may only be
        // reordered: it is lost once xmit_ts + RACK.rtt + reo_wnd (10 ms) has passed, which the timer (§6.3) notices at 90 ms.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(2 * Mss));
        Assert.Equal(2, h.Dispatch().Count);
        h.Send(Ack(0, (1, 2)), atMs: 80);
        Assert.Empty(DataSeqs(h.Dispatch()));
        Assert.DoesNotContain(h.RunUntil(89), s => s.Segment.PayloadLength > 0);
        var resent = Assert.Single(h.RunUntil(95), s => s.Segment.PayloadLength > 0);
        Assert.Equal(90L, resent.AtMs);
        Assert.Equal(Seg(0), resent.Segment.SeqNumber);
        Assert.Equal(1, h.Tcb.GetInfo().RackLostSegments);
    }

    [Fact]
    public void RackReorderTimer_HoleFilledWithinTheWindow_NothingResent()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(2 * Mss));
        h.Dispatch();
        h.Send(Ack(0, (1, 2)), atMs: 80);
        h.Send(Ack(2), atMs: 85); // segment 0 was only late
        Assert.DoesNotContain(h.RunUntil(120), s => s.Segment.PayloadLength > 0);
        Assert.Equal(0, h.Tcb.GetInfo().RackLostSegments);
        Assert.Equal(0, h.Tcb.GetInfo().Retransmits);
    }

    [Fact]
    public void FastRecovery_RetransmissionLost_RackResendsItOneRttLater_NoTimeout()
    {
        // Fast recovery resends segment 0 at 80 ms, with new data behind it (PRR). That copy is lost too. When the new data
        // sent after it is SACKed one RTT later, RACK (reo_wnd = 0 in recovery) finds the retransmission lost: it goes again
        // at 120 ms = its send time + RTT, well before the RTO (200 ms).
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(30 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(Ack(0, (1, 4)), atMs: 80);
        var first = DataSeqs(h.Dispatch());
        Assert.Equal(Seg(0), first[0]);
        h.Send(Ack(0, (1, 10)), atMs: 80);
        var more = DataSeqs(h.Dispatch());
        Assert.Contains(Seg(10), first.Concat(more));
        Assert.Equal(0, h.Tcb.GetInfo().LostRetransmits);
        // Segment 10 (sent at 80 ms, after the retransmission) arrives; 0 does not.
        h.Send(Ack(0, (1, 11)), atMs: 120);
        var again = DataSeqs(h.Dispatch());
        Assert.Equal(Seg(0), again[0]);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.LostRetransmits);
        Assert.Equal(0, info.Timeouts);
        h.Send(Ack(11), atMs: 160);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.Equal(0, h.Tcb.GetInfo().Timeouts);
    }

    [Fact]
    public void AfterTimeout_GoBackNRetransmissionLost_RackResendsItOneRttLater_NoSecondTimeout()
    {
        // Ten segments and nothing more to send; no ACK comes back. The tail loss probe (segment 9 at 122 ms) is lost and
        // the RTO fires at 322 ms: the go-back-N resends segment 0. Its ACK lets 1 and 2 go (cwnd 2 SMSS); 1 is lost
        // again. When 2 (sent with it, later in sequence) is SACKed, RACK finds 1's retransmission lost (§6.3: after a
        // timeout too) and it goes again at once, RTT after it left, instead of after a second, backed-off RTO.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        var early = h.RunUntil(330).Where(s => s.Segment.PayloadLength > 0).ToList();
        Assert.Equal([(122L, Seg(9)), (322L, Seg(0))], early.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        Assert.Equal(1, h.Tcb.GetInfo().Timeouts);
        h.Send(Ack(1), atMs: 362);
        Assert.Equal([Seg(1), Seg(2)], DataSeqs(h.Dispatch()));
        h.Send(Ack(1, (2, 3)), atMs: 402);
        var repair = DataSeqs(h.Dispatch());
        Assert.Equal(Seg(1), repair[0]);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.LostRetransmits);
        Assert.Equal(1, info.Timeouts);
        // The repaired segment arrives: the go-back-N goes on and completes without another timeout.
        h.Send(Ack(3), atMs: 442);
        h.Dispatch();
        h.Send(Ack(10), atMs: 482);
        Assert.Equal(0, h.Tcb.SendQueueLength);
        Assert.Equal(1, h.Tcb.GetInfo().Timeouts);
    }

    [Fact]
    public void TailLossProbe_OnlyTheProbeArrived_EpisodeEndsWithAWindowReduction()
    {
        // §7.4: segment 3 is lost; the probe (after PTO, capped by the RTO: one segment in flight) resends it. The ACK that
        // then covers new data beyond the probe carries no D-SACK for it: the probe repaired a loss, a congestion event.
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(4 * Mss));
        Assert.Equal(4, h.Dispatch().Count);
        h.Send(Ack(3), atMs: 80);
        h.Dispatch();
        int cwndBefore = h.Tcb.GetInfo().CongestionWindow;
        var probe = h.RunUntil(290).Where(s => s.Segment.PayloadLength > 0).ToList();
        Assert.Equal([(280L, Seg(3))], probe.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        h.Send(Ack(4), atMs: 320);
        Assert.Equal(0, h.Tcb.GetInfo().TailLossProbeRecoveries); // the original or the probe: not known yet
        h.Tcb.Send(Bytes(Mss));
        h.Dispatch();
        h.Send(Ack(5), atMs: 360);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.TailLossProbes);
        Assert.Equal(1, info.TailLossProbeRecoveries);
        Assert.True(info.CongestionWindow < cwndBefore, $"cwnd {info.CongestionWindow} not below {cwndBefore}");
        Assert.Equal(0, info.Timeouts);
    }

    [Fact]
    public void TailLossProbe_ProbeReportedAsDuplicate_NoLoss_NoReduction()
    {
        // Only the ACK was lost: the receiver already held segment 3 and reports the probe with a D-SACK (RFC 2883).
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(4 * Mss));
        h.Dispatch();
        h.Send(Ack(3), atMs: 80);
        h.Dispatch();
        int cwndBefore = h.Tcb.GetInfo().CongestionWindow;
        h.RunUntil(290);
        h.Send(Ack(4, (3, 4)), atMs: 320);
        h.Tcb.Send(Bytes(Mss));
        h.Dispatch();
        h.Send(Ack(5), atMs: 360);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.TailLossProbes);
        Assert.Equal(0, info.TailLossProbeRecoveries);
        Assert.True(info.CongestionWindow >= cwndBefore, $"cwnd {info.CongestionWindow} fell below {cwndBefore}");
    }
}
