using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>Reliability: RTO (RFC 6298), fast retransmit and NewReno (RFC 5681, RFC 6582), keepalive (RFC 1122 §4.2.3.6).</summary>
public class TcbRetransmitTests
{
    [Fact]
    public void Established_DataNotAcked_RetransmitsOnRto()
    {
        var h = Established();
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        var sent = h.RunUntil(250);
        Assert.Equal([(200L, Out with { Push = true, PayloadLength = 100 })], sent);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.Retransmits);
        Assert.Equal(1, info.Timeouts);
    }

    [Fact]
    public void Established_RepeatedTimeouts_BackOffThenTimeOut()
    {
        var h = Established(DefaultConfig with { MaxRetransmissions = 3 });
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        var sent = h.RunUntil(10_000);
        Assert.Equal([200L, 600L, 1400L], sent.Select(s => s.AtMs));
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.TimedOut, h.Tcb.Error);
    }

    [Fact]
    public void Established_UserTimeout_GivesUp()
    {
        var h = Established(DefaultConfig with { UserTimeout = TimeSpan.FromSeconds(1) });
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        h.RunUntil(10_000);
        Assert.Equal(TcpError.TimedOut, h.Tcb.Error);
    }

    [Fact]
    public void Established_Timeout_GoesBackNAndShrinksCwnd()
    {
        var h = Established();
        h.Tcb.Send(Bytes(5 * 1460));
        Assert.Equal(5, h.Dispatch().Count);
        var sent = h.RunUntil(200);
        // RFC 5681 §3.1: cwnd = 1 SMSS after a timeout, so only the first segment goes again.
        Assert.Single(sent);
        Assert.Equal(LocalIsn + 1, sent[0].Segment.SeqNumber);
        Assert.Equal(1460, h.Tcb.GetInfo().CongestionWindow);
        h.Send(In with { AckNumber = LocalIsn + 1461 });
        var segs = h.Dispatch();
        Assert.Equal([LocalIsn + 1461, LocalIsn + 2921], segs.Select(s => s.SeqNumber));
    }

    [Fact]
    public void Established_RttSample_SetsRto()
    {
        var h = Established();
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        h.Send(In with { AckNumber = LocalIsn + 101 }, atMs: 300);
        var info = h.Tcb.GetInfo();
        // First data sample 300 ms after a 0 ms handshake sample: SRTT = 7/8*0 + 300/8.
        Assert.Equal(TimeSpan.FromMilliseconds(37.5), info.SmoothedRtt);
        Assert.True(info.Rto >= TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Established_KarnsRule_NoSampleFromRetransmittedSegment()
    {
        var h = SynSent();
        h.RunUntil(1000); // SYN retransmitted
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460 }, atMs: 1500);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.Null(h.Tcb.GetInfo().SmoothedRtt);
    }

    [Fact]
    public void Established_ThreeDupAcks_FastRetransmits()
    {
        var h = Established();
        h.Tcb.Send(Bytes(5 * 1460));
        Assert.Equal(5, h.Dispatch().Count);
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 10);
        h.ExpectNothing();
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 11);
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 12);
        h.ExpectNothing();
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 13);
        var segs = h.Dispatch();
        Assert.Equal(LocalIsn + 1461, segs[0].SeqNumber);
        Assert.Equal(1460, segs[0].PayloadLength);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.FastRetransmits);
        Assert.Equal(0, info.Timeouts);
        // RFC 5681 §3.2: ssthresh = max(FlightSize/2, 2*SMSS), cwnd = ssthresh + 3*SMSS.
        Assert.Equal(2920, info.SlowStartThreshold);
        Assert.Equal(2920 + 3 * 1460, info.CongestionWindow);
    }

    [Fact]
    public void Established_PartialAck_RetransmitsNextHoleThenFullAckEndsRecovery()
    {
        var h = Established();
        h.Tcb.Send(Bytes(5 * 1460));
        h.Dispatch();
        for (int i = 0; i < 4; i++)
            h.Send(In with { AckNumber = LocalIsn + 1 }, atMs: 10 + i);
        var segs = h.Dispatch();
        Assert.Equal(LocalIsn + 1, segs[0].SeqNumber);
        // RFC 6582 §3.2 step 5: a partial ACK retransmits the first unacknowledged segment at once.
        h.Send(In with { AckNumber = LocalIsn + 1 + 2920 }, atMs: 20);
        segs = h.Dispatch();
        Assert.Equal(LocalIsn + 1 + 2920, segs[0].SeqNumber);
        h.Send(In with { AckNumber = LocalIsn + 1 + (5 * 1460) }, atMs: 30);
        h.Dispatch();
        Assert.Equal(0, h.Tcb.GetInfo().BytesInFlight);
        Assert.Equal(0, h.Tcb.SendQueueLength);
    }

    [Fact]
    public void Established_DupAcksWithWindowChange_AreNotDuplicates()
    {
        var h = Established();
        h.Tcb.Send(Bytes(5 * 1460));
        h.Dispatch();
        for (int i = 0; i < 4; i++)
            h.Send(In with { AckNumber = LocalIsn + 1, WindowLength = (ushort)(60_000 - i) });
        h.ExpectNothing();
        Assert.Equal(0, h.Tcb.GetInfo().FastRetransmits);
    }

    [Fact]
    public void Established_FinLost_IsRetransmitted()
    {
        var h = FinWait1();
        var sent = h.RunUntil(250);
        Assert.Equal([(200L, Out with { Control = TcpControl.Fin })], sent);
    }

    [Fact]
    public void Established_Idle_SendsKeepalivesThenTimesOut()
    {
        var h = Established(DefaultConfig with
        {
            KeepAlive = true,
            KeepAliveIdle = TimeSpan.FromSeconds(10),
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            KeepAliveCount = 3,
        });
        var sent = h.RunUntil(20_000);
        Assert.Equal([10_000L, 11_000L, 12_000L], sent.Select(s => s.AtMs));
        Assert.All(sent, s => Assert.Equal(Out with { SeqNumber = LocalIsn }, s.Segment));
        Assert.Equal(TcpError.TimedOut, h.Tcb.Error);
    }

    [Fact]
    public void Established_KeepaliveAnswered_StaysOpen()
    {
        var h = Established(DefaultConfig with
        {
            KeepAlive = true,
            KeepAliveIdle = TimeSpan.FromSeconds(10),
            KeepAliveInterval = TimeSpan.FromSeconds(1),
            KeepAliveCount = 3,
        });
        h.RunUntil(10_000);
        h.Send(In, atMs: 10_500);
        var sent = h.RunUntil(20_000);
        Assert.Empty(sent);
        h.RunUntil(20_500);
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void Established_KeepaliveOffByDefault_SendsNothing()
    {
        var h = Established();
        Assert.Empty(h.RunUntil(3 * 3600 * 1000L));
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void Established_AfterTimeout_PureAckCarriesHighestSequenceSent()
    {
        var h = Established();
        h.Tcb.Send(Bytes(5 * 1460));
        h.Dispatch();
        h.RunUntil(200); // timeout: SND.NXT goes back to SND.UNA, one segment resent
        h.Send(In, Bytes(10), atMs: 210);
        var sent = h.RunUntil(260);
        // The delayed ACK must not carry the rewound SND.NXT: the peer may already hold data beyond it.
        Assert.Equal([(250L, Out with { SeqNumber = LocalIsn + 1 + (5 * 1460), AckNumber = RemoteIsn + 11, WindowLength = BufferSize - 10 })], sent);
    }

    [Fact]
    public void Established_DataCarryingAcksWithNewSack_CountAsDuplicates()
    {
        var h = Passive();
        h.Send(Syn with { SackPermitted = true });
        h.Dispatch();
        h.Send(In);
        h.Tcb.Send(Bytes(6 * 1460));
        Assert.Equal(6, h.Dispatch().Count);
        // The peer lost our first segment and is itself sending: each of its data segments SACKs more of ours
        // (all within one reordering window, so only the duplicate count can start recovery).
        for (int i = 1; i <= 3; i++)
        {
            var sack = TcpSackBlocks.Of(new TcpSackBlock(LocalIsn + 1 + 1460, LocalIsn + 1 + ((i + 1) * 1460)));
            h.Send(In with { SeqNumber = RemoteIsn + 1 + ((i - 1) * 100), SackBlocks = sack }, Bytes(100), atMs: 10);
            if (i < 3)
                Assert.DoesNotContain(h.Dispatch(), s => s.PayloadLength > 0 && s.SeqNumber == LocalIsn + 1);
        }
        var segs = h.Dispatch();
        Assert.Equal(LocalIsn + 1, segs[0].SeqNumber);
        Assert.Equal(1, h.Tcb.GetInfo().FastRetransmits);
    }

    [Fact]
    public void Established_DataCarryingAcksWithoutSack_AreNotDuplicates()
    {
        var h = Established();
        h.Tcb.Send(Bytes(6 * 1460));
        h.Dispatch();
        for (int i = 0; i < 4; i++)
            h.Send(In with { SeqNumber = RemoteIsn + 1 + (i * 100) }, Bytes(100), atMs: 10 + i);
        h.Dispatch();
        Assert.Equal(0, h.Tcb.GetInfo().FastRetransmits);
    }

    [Fact]
    public void Established_FirstTwoDupAcks_SendNewSegments_LimitedTransmit()
    {
        var h = Established();
        h.Tcb.Send(Bytes(20 * 1460));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 10);
        Assert.Equal(2, h.Dispatch().Count); // slow start: 1460 acked, cwnd + 1460, one more in flight slot
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 11);
        // RFC 3042: the first duplicate ACK releases one new segment beyond cwnd...
        var segs = h.Dispatch();
        Assert.Equal([LocalIsn + 1 + (12 * 1460)], segs.Select(s => s.SeqNumber));
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 12);
        segs = h.Dispatch();
        // ...and so does the second.
        Assert.Equal([LocalIsn + 1 + (13 * 1460)], segs.Select(s => s.SeqNumber));
        h.Send(In with { AckNumber = LocalIsn + 1461 }, atMs: 13);
        Assert.Equal(LocalIsn + 1461, h.Dispatch()[0].SeqNumber); // third: fast retransmit
    }

    private static TcbHarness EstablishedWithSack()
    {
        var h = Passive();
        h.Send(Syn with { SackPermitted = true });
        h.Dispatch();
        h.Send(In);
        return h;
    }

    private static SeqNumber Seg(int i) => LocalIsn + 1 + (i * 1460);

    private static TcpSackBlocks Sack(params (int From, int To)[] segs)
    {
        var blocks = new TcpSackBlocks();
        foreach (var (from, to) in segs)
            blocks.TryAdd(new TcpSackBlock(Seg(from), Seg(to)));
        return blocks;
    }

    [Fact]
    public void Established_SackInRecovery_RetransmitsNextHoleOnceLost_WithoutWaitingForPartialAck()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(8 * 1460));
        Assert.Equal(8, h.Dispatch().Count);
        // Segments 0 and 3 are lost (the ACKs arrive within one reordering window). Segment 2 is SACKed before 1: the path
        // reorders (RFC 8985 §6.2 step 3), so RACK allows a reordering window and the holes here are RFC 6675's to find.
        h.Send(In with { AckNumber = Seg(0), SackBlocks = Sack((2, 3)) }, atMs: 10);
        h.Send(In with { AckNumber = Seg(0), SackBlocks = Sack((1, 3)) }, atMs: 10);
        h.Dispatch();
        h.Send(In with { AckNumber = Seg(0), SackBlocks = Sack((1, 3), (4, 5)) }, atMs: 10);
        Assert.Equal(Seg(0), h.Dispatch()[0].SeqNumber);
        h.Send(In with { AckNumber = Seg(0), SackBlocks = Sack((1, 3), (4, 6)) }, atMs: 10);
        // ssthresh = 4 segments; pipe = 3, 6, 7 and the retransmitted 0 = 4 segments: nothing may go (RFC 6675 §5, RFC 6937).
        Assert.Empty(h.Dispatch());
        h.Send(In with { AckNumber = Seg(0), SackBlocks = Sack((1, 3), (4, 7)) }, atMs: 10);
        // Three segments SACKed above it: segment 3 is lost (IsLost), pipe = 7 and 0 = 2 segments, so PRR's
        // slow-start bound lets two go: the hole (NextSeg rule 1) and, with no new data, the tail (rule 4, rescue).
        Assert.Equal([Seg(3), Seg(7)], h.Dispatch().Select(s => s.SeqNumber));
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.Equal(0, h.Tcb.GetInfo().Timeouts);
    }

    [Fact]
    public void Established_TimeoutWithSack_SkipsSackedSegments()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(6 * 1460));
        Assert.Equal(6, h.Dispatch().Count);
        var sent = h.RunUntil(250);
        // RFC 8985 §7: first a tail loss probe (nothing new to send: the last segment) after PTO, then the RTO.
        Assert.Equal([Seg(5), Seg(0)], sent.Select(s => s.Segment.SeqNumber));
        Assert.Equal(1, h.Tcb.GetInfo().Timeouts);
        // The receiver holds the retransmitted segment 0 and SACKs segment 2. Only retransmitted data is acknowledged and
        // nothing new waits, so F-RTO leaves the go-back-N alone (RFC 5682 §3.1 step 2b): segment 1 goes, 2 is skipped.
        h.Send(In with { AckNumber = Seg(1), SackBlocks = Sack((2, 3)) }, atMs: 260);
        var segs = h.Dispatch();
        // cwnd after the timeout: 1 SMSS + 1 SMSS (RFC 3465 §2.3, L = 1 SMSS after an RTO): two segments.
        Assert.Equal([Seg(1), Seg(3)], segs.Select(s => s.SeqNumber));
    }
}
