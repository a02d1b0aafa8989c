using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// D-SACK (RFC 2883) both ways, and undo of spurious recoveries: D-SACKed retransmissions (RFC 3708), Eifel's
/// timestamp test after a timeout (RFC 3522), the response restoring cwnd (RFC 4015), the RACK reordering window
/// widened by D-SACKs (RFC 8985 §6.2).
/// </summary>
public class TcbDsackUndoTests
{
    private const int Mss = 1460;

    private static SeqNumber Seg(int i) => LocalIsn + 1 + (i * Mss);

    private static TcbHarness EstablishedWithSack(TcpConfig? config = null)
    {
        var h = Passive(config ?? DefaultConfig);
        h.Send(Syn with { SackPermitted = true });
        h.Dispatch();
        h.Send(In);
        return h;
    }

    private static TcpRepr AckWithSack(SeqNumber ack, params (SeqNumber From, SeqNumber To)[] ranges)
    {
        var blocks = new TcpSackBlocks();
        foreach (var (from, to) in ranges)
            blocks.TryAdd(new TcpSackBlock(from, to));
        return In with { AckNumber = ack, SackBlocks = blocks };
    }

    [Fact]
    public void Established_DuplicateOfDeliveredData_AckReportsItInTheFirstSackBlock()
    {
        var h = EstablishedWithSack();
        var data = Bytes(100);
        h.Send(In, data, atMs: 1);
        h.Advance(50);
        h.Dispatch(); // the delayed ACK of the first copy
        h.Send(In, data, atMs: 60);
        var ack = Assert.Single(h.Dispatch());
        Assert.Equal(RemoteIsn + 101, ack.AckNumber);
        Assert.Equal(1, ack.SackBlocks.Count);
        Assert.Equal(new TcpSackBlock(RemoteIsn + 1, RemoteIsn + 101), ack.SackBlocks[0]);
        // Reported once: the next ACK carries no D-SACK.
        h.Send(In with { SeqNumber = RemoteIsn + 101 }, Bytes(10), atMs: 61);
        h.Advance(50);
        Assert.All(h.Dispatch(), a => Assert.Equal(0, a.SackBlocks.Count));
    }

    [Fact]
    public void Established_DuplicateOfOutOfOrderData_FirstBlockIsTheDuplicate_SecondTheRangeHoldingIt()
    {
        var h = EstablishedWithSack();
        var above = In with { SeqNumber = RemoteIsn + 1001 };
        h.Send(above, Bytes(100), atMs: 1);
        var first = h.Dispatch()[0];
        Assert.Equal(new TcpSackBlock(RemoteIsn + 1001, RemoteIsn + 1101), first.SackBlocks[0]);
        h.Send(above, Bytes(100), atMs: 2);
        var dup = h.Dispatch()[0];
        Assert.Equal(RemoteIsn + 1, dup.AckNumber);
        Assert.Equal(2, dup.SackBlocks.Count);
        Assert.Equal(new TcpSackBlock(RemoteIsn + 1001, RemoteIsn + 1101), dup.SackBlocks[0]);
        Assert.Equal(new TcpSackBlock(RemoteIsn + 1001, RemoteIsn + 1101), dup.SackBlocks[1]);
    }

    [Fact]
    public void SackRecovery_RetransmissionDsacked_RecoveryUndone_CwndRestored()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        int cwndBefore = h.Tcb.GetInfo().CongestionWindow;
        // Segment 0 is only late (reordered): three SACKed above it start recovery and it is resent.
        h.Send(AckWithSack(Seg(0), (Seg(1), Seg(4))), atMs: 5);
        var resent = h.Dispatch(); // the hole, and RFC 6675's rescue retransmission of the tail
        Assert.Equal(Seg(0), resent[0].SeqNumber);
        Assert.True(h.Tcb.GetInfo().SlowStartThreshold < cwndBefore);
        // The original arrives, everything is ACKed; then each retransmission arrives as a duplicate: D-SACKs below SND.UNA.
        h.Send(In with { AckNumber = Seg(10) }, atMs: 6);
        for (int i = 0; i < resent.Count; i++)
        {
            Assert.Equal(0, h.Tcb.GetInfo().SpuriousRecoveries); // not before the last retransmission is reported
            h.Send(AckWithSack(Seg(10), (resent[i].SeqNumber, resent[i].SeqNumber + resent[i].PayloadLength)), atMs: 7);
        }
        var info = h.Tcb.GetInfo();
        Assert.Equal(resent.Count, info.DsacksReceived);
        Assert.Equal(1, info.SpuriousRecoveries);
        Assert.True(info.CongestionWindow >= cwndBefore, $"cwnd {info.CongestionWindow} not restored to {cwndBefore}");
        Assert.Equal(2, h.Tcb.ReorderWindowMultiplier);
    }

    [Fact]
    public void SackRecovery_RealLoss_NoDsack_NothingUndone()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        h.Dispatch();
        h.Send(AckWithSack(Seg(0), (Seg(1), Seg(4))), atMs: 5);
        h.Dispatch();
        h.Send(In with { AckNumber = Seg(10) }, atMs: 6);
        var info = h.Tcb.GetInfo();
        Assert.Equal(0, info.SpuriousRecoveries);
        Assert.True(info.CongestionWindow < 10 * Mss);
        Assert.Equal(1, h.Tcb.ReorderWindowMultiplier);
    }

    [Fact]
    public void SackRecovery_OnlyOneOfTwoRetransmissionsDsacked_NotUndone()
    {
        var h = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        h.Dispatch();
        // Segments 0 and 5 missing: both are retransmitted in this recovery.
        h.Send(AckWithSack(Seg(0), (Seg(1), Seg(5)), (Seg(6), Seg(9))), atMs: 5);
        var resent = h.Dispatch().Select(s => s.SeqNumber).ToList();
        h.Send(AckWithSack(Seg(0), (Seg(6), Seg(10)), (Seg(1), Seg(5))), atMs: 6);
        resent.AddRange(h.Dispatch().Select(s => s.SeqNumber));
        Assert.Contains(Seg(0), resent);
        Assert.Contains(Seg(5), resent);
        h.Send(In with { AckNumber = Seg(10) }, atMs: 7);
        h.Send(AckWithSack(Seg(10), (Seg(0), Seg(1))), atMs: 8); // only segment 0's copy was needless
        Assert.Equal(1, h.Tcb.GetInfo().DsacksReceived);
        Assert.Equal(0, h.Tcb.GetInfo().SpuriousRecoveries);
    }

    [Fact]
    public void Timeout_AckEchoesTheOriginalTimestamp_EifelUndoes_NoGoBackN()
    {
        var h = Passive(DefaultConfig with { Timestamps = true });
        h.Send(Syn with { Timestamp = new TcpTimestamp(1000, 0) }); // no SACK: no tail loss probe before the RTO
        var synAck = Assert.Single(h.Dispatch());
        h.Send(In with { Timestamp = new TcpTimestamp(1001, synAck.Timestamp!.Value.Value) });
        int mss = h.Tcb.SendMss;
        h.Tcb.Send(Bytes(4 * mss));
        var sent = h.Dispatch();
        Assert.Equal(4, sent.Count);
        uint originalTs = sent[0].Timestamp!.Value.Value;
        int cwndBefore = h.Tcb.GetInfo().CongestionWindow;
        // The ACKs are only delayed: the RTO (200 ms, the floor) fires and the first segment goes again.
        var afterRto = h.RunUntil(300);
        Assert.Single(afterRto, s => s.Segment.SeqNumber == LocalIsn + 1 && s.Segment.PayloadLength > 0);
        Assert.Equal(1, h.Tcb.GetInfo().Timeouts);
        // The delayed ACK of the original arrives: its echo predates the retransmission.
        h.Send(In with { SeqNumber = RemoteIsn + 1, AckNumber = LocalIsn + 1 + mss, Timestamp = new TcpTimestamp(1100, originalTs) }, atMs: 301);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.SpuriousRecoveries);
        Assert.True(info.CongestionWindow >= cwndBefore, $"cwnd {info.CongestionWindow} not restored to {cwndBefore}");
        // RFC 4015 §4: no go-back-N: segments 1..3, still in flight from the first transmission, are not resent.
        Assert.DoesNotContain(h.Dispatch(), s => s.PayloadLength > 0 && s.SeqNumber < LocalIsn + 1 + (4 * mss));
    }

    [Fact]
    public void Timeout_AckEchoesTheRetransmission_NotUndone()
    {
        var h = Passive(DefaultConfig with { Timestamps = true });
        h.Send(Syn with { Timestamp = new TcpTimestamp(1000, 0) }); // no SACK: no tail loss probe before the RTO
        var synAck = Assert.Single(h.Dispatch());
        h.Send(In with { Timestamp = new TcpTimestamp(1001, synAck.Timestamp!.Value.Value) });
        int mss = h.Tcb.SendMss;
        h.Tcb.Send(Bytes(4 * mss));
        h.Dispatch();
        var retransmission = h.RunUntil(300).First(s => s.Segment.PayloadLength > 0).Segment;
        h.Send(In with { AckNumber = LocalIsn + 1 + mss, Timestamp = new TcpTimestamp(1100, retransmission.Timestamp!.Value.Value) }, atMs: 350);
        Assert.Equal(0, h.Tcb.GetInfo().SpuriousRecoveries);
        Assert.Equal(mss, h.Tcb.GetInfo().CongestionWindow - mss); // slow start after the timeout: 1 SMSS + 1 SMSS acked
    }
}
