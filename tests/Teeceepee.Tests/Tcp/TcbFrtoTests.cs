using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// F-RTO (RFC 5682 §3.1) with timestamps off, so Eifel cannot tell: after a timeout the first ACK that advances the
/// window releases two new segments; the next ACK decides. ACKs of data never retransmitted mean the originals were only
/// delayed (spurious: RFC 4015 undo); a duplicate ACK means the loss was real (the go-back-N resumes).
/// </summary>
public class TcbFrtoTests
{
    private const int Mss = 1460;

    /// <summary>ESTABLISHED without SACK (no tail loss probe before the RTO) after a 40 ms handshake: the RTO is 200 ms.</summary>
    private static TcbHarness Established40Ms()
    {
        var h = Passive();
        h.Send(Syn);
        h.Dispatch();
        h.Send(In, atMs: 40);
        return h;
    }

    private static SeqNumber Seg(int i) => LocalIsn + 1 + (i * Mss);

    private static TcpRepr Ack(int upTo) => In with { AckNumber = Seg(upTo) };

    /// <summary>Fourteen segments queued, ten out (IW), then nothing until the RTO at 240 ms resends segment 0.</summary>
    private static (TcbHarness H, int CwndBefore) TimedOut()
    {
        var h = Established40Ms();
        h.Tcb.Send(Bytes(14 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        int cwndBefore = h.Tcb.GetInfo().CongestionWindow;
        var sent = h.RunUntil(250).Where(s => s.Segment.PayloadLength > 0).ToList();
        Assert.Equal([(240L, Seg(0))], sent.Select(s => (s.AtMs, s.Segment.SeqNumber)));
        Assert.Equal(1, h.Tcb.GetInfo().Timeouts);
        return (h, cwndBefore);
    }

    [Fact]
    public void FrtoSpurious_DelayedAcksAfterTimeout_TwoNewSegmentsThenOriginalsAcked_Undone()
    {
        var (h, cwndBefore) = TimedOut();
        // The ACKs of the original flight were only delayed. The first one covers segment 0 (the retransmitted one):
        // step 2b sends two new segments, not segments 1 and 2 again.
        h.Send(Ack(1), atMs: 255);
        Assert.Equal([Seg(10), Seg(11)], h.Dispatch().Where(s => s.PayloadLength > 0).Select(s => s.SeqNumber));
        // The next acknowledges segment 1, never retransmitted: the timeout was spurious (step 3b).
        h.Send(Ack(2), atMs: 256);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.FrtoSpuriousTimeouts);
        Assert.Equal(1, info.SpuriousRecoveries);
        Assert.True(info.CongestionWindow >= cwndBefore, $"cwnd {info.CongestionWindow} not restored to {cwndBefore}");
        // RFC 4015: no go-back-N: segments 2-9, still in flight from the first transmission, are not sent again.
        Assert.DoesNotContain(h.Dispatch(), s => s.PayloadLength > 0 && s.SeqNumber < Seg(10));
        Assert.Equal(1, info.Retransmits);
    }

    [Fact]
    public void FrtoGenuine_DuplicateAckAfterTheNewSegments_NotUndone_GoBackNResumes()
    {
        var (h, _) = TimedOut();
        // Segments 0 and 1 were lost: the retransmitted 0 is acknowledged, the new segments only bring duplicates.
        h.Send(Ack(1), atMs: 280);
        Assert.Equal([Seg(10), Seg(11)], h.Dispatch().Where(s => s.PayloadLength > 0).Select(s => s.SeqNumber));
        h.Send(Ack(1), atMs: 320);
        var info = h.Tcb.GetInfo();
        Assert.Equal(0, info.FrtoSpuriousTimeouts);
        Assert.Equal(0, info.SpuriousRecoveries);
        Assert.True(info.CongestionWindow <= 3 * Mss, $"cwnd {info.CongestionWindow}"); // still in slow start after the timeout
        // Step 3a: the go-back-N resumes at SND.UNA.
        Assert.Equal(Seg(1), h.Dispatch().First(s => s.PayloadLength > 0).SeqNumber);
    }

    [Fact]
    public void Frto_FirstAckCoversEverything_NoVerdict_NotUndone()
    {
        // Only segment 0 was lost and every later ACK too: its retransmission fills the hole and the ACK covers the whole
        // flight (RFC 5682 step 2a): nothing proves the timeout spurious.
        var (h, _) = TimedOut();
        h.Send(Ack(10), atMs: 280);
        var info = h.Tcb.GetInfo();
        Assert.Equal(0, info.FrtoSpuriousTimeouts);
        Assert.Equal(0, info.SpuriousRecoveries);
    }

    [Fact]
    public void Frto_NotWithTimestamps_EifelDecidesInstead()
    {
        var h = Passive(DefaultConfig with { Timestamps = true });
        h.Send(Syn with { Timestamp = new TcpTimestamp(1000, 0) });
        var synAck = Assert.Single(h.Dispatch());
        h.Send(In with { Timestamp = new TcpTimestamp(1001, synAck.Timestamp!.Value.Value) }, atMs: 40);
        int mss = h.Tcb.SendMss;
        h.Tcb.Send(Bytes(14 * mss));
        var sent = h.Dispatch();
        var retransmission = h.RunUntil(300).First(s => s.Segment.PayloadLength > 0).Segment;
        // The ACK echoes the retransmission: Eifel says genuine; F-RTO must not send new data and then undo.
        h.Send(In with { AckNumber = LocalIsn + 1 + mss, Timestamp = new TcpTimestamp(1100, retransmission.Timestamp!.Value.Value) }, atMs: 310);
        var next = h.Dispatch().Where(s => s.PayloadLength > 0).ToList();
        Assert.Equal(LocalIsn + 1 + mss, next[0].SeqNumber); // the go-back-N, not new data
        h.Send(In with { AckNumber = LocalIsn + 1 + (2 * mss), Timestamp = new TcpTimestamp(1101, retransmission.Timestamp!.Value.Value) }, atMs: 311);
        Assert.Equal(0, h.Tcb.GetInfo().FrtoSpuriousTimeouts);
        Assert.Equal(0, h.Tcb.GetInfo().SpuriousRecoveries);
        Assert.Equal(10, sent.Count);
    }
}
