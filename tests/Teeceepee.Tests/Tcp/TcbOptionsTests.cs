using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>Options: window scaling and timestamps (RFC 7323), SACK (RFC 2018), MSS (RFC 9293 §3.7.1), PAWS.</summary>
public class TcbOptionsTests
{
    // The whole buffer as the window: these tests check scaling arithmetic, not autotuning's 64 KiB start (Tcb.ReceiveWindow.cs).
    private static readonly TcpConfig Big = DefaultConfig with { ReceiveBufferSize = 256 * 1024, SendBufferSize = 256 * 1024, ReceiveWindowAutoTuning = false };
    private static readonly TcpConfig WithTimestamps = DefaultConfig with { Timestamps = true };

    [Fact]
    public void Listen_SynWithWindowScale_NegotiatesScaling()
    {
        var h = Passive(Big);
        h.Send(Syn with { WindowScale = 2 });
        // RFC 7323 §2.2: the SYN-ACK window is unscaled; our shift is the smallest that covers 256 KiB.
        h.Expect(SynAck with { WindowLength = 65535, WindowScale = 3 });
        h.Send(In with { WindowLength = 1000 });
        var info = h.Tcb.GetInfo();
        Assert.Equal(4000, info.PeerWindow);
        Assert.Equal(3, info.ReceiveWindowScale);
        Assert.Equal(2, info.SendWindowScale);
        h.Tcb.Send(Bytes(10));
        var seg = Assert.Single(h.Dispatch());
        Assert.Equal(256 * 1024 >> 3, seg.WindowLength);
    }

    [Fact]
    public void Listen_SynWithoutWindowScale_DoesNotScale()
    {
        var h = Passive(Big);
        h.Send(Syn);
        h.Expect(SynAck with { WindowLength = 65535 });
        h.Send(In with { WindowLength = 1000 });
        Assert.Equal(1000, h.Tcb.GetInfo().PeerWindow);
        Assert.Equal(-1, h.Tcb.GetInfo().ReceiveWindowScale);
        h.Tcb.Send(Bytes(10));
        Assert.Equal(65535, Assert.Single(h.Dispatch()).WindowLength);
    }

    [Fact]
    public void Listen_WindowScaleAbove14_IsClampedTo14()
    {
        var h = Passive(Big);
        h.Send(Syn with { WindowScale = 20 });
        h.Dispatch();
        h.Send(In with { WindowLength = 1 });
        Assert.Equal(1L << 14, h.Tcb.GetInfo().PeerWindow);
    }

    [Fact]
    public void SynSent_SynAckWithoutWindowScale_DisablesScaling()
    {
        var h = SynSent(Big);
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460, WindowLength = 5000 });
        var ack = Assert.Single(h.Dispatch());
        Assert.Equal(65535, ack.WindowLength);
        Assert.Equal(5000, h.Tcb.GetInfo().PeerWindow);
    }

    [Fact]
    public void SynSent_SynAckWithWindowScale_ScalesFromNextSegment()
    {
        var h = SynSent(Big);
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460, WindowLength = 5000, WindowScale = 4 });
        var ack = Assert.Single(h.Dispatch());
        Assert.Equal(32768, ack.WindowLength);
        Assert.Equal(5000, h.Tcb.GetInfo().PeerWindow); // the SYN-ACK's own window is not scaled
        h.Send(In with { WindowLength = 5000 });
        Assert.Equal(80_000, h.Tcb.GetInfo().PeerWindow);
    }

    [Fact]
    public void Listen_SynWithTimestamps_EchoesAndReducesMss()
    {
        var h = Passive(WithTimestamps);
        h.Send(Syn with { Timestamp = new TcpTimestamp(1000, 0) });
        var synAck = Assert.Single(h.Dispatch());
        Assert.Equal(1000u, synAck.Timestamp!.Value.EchoReply);
        h.Send(In with { Timestamp = new TcpTimestamp(1001, synAck.Timestamp.Value.Value) });
        Assert.True(h.Tcb.GetInfo().Timestamps);
        // RFC 7323 / RFC 9293 §3.7.1: 12 option bytes on every segment come out of the MSS.
        Assert.Equal(1448, h.Tcb.SendMss);
        h.Tcb.Send(Bytes(10));
        var seg = Assert.Single(h.Dispatch());
        Assert.Equal(1001u, seg.Timestamp!.Value.EchoReply);
    }

    [Fact]
    public void Listen_SynWithoutTimestamps_SendsNone()
    {
        var h = Passive(WithTimestamps);
        h.Send(Syn);
        var synAck = Assert.Single(h.Dispatch());
        Assert.Null(synAck.Timestamp);
        h.Send(In);
        h.Tcb.Send(Bytes(10));
        Assert.Null(Assert.Single(h.Dispatch()).Timestamp);
        Assert.Equal(1460, h.Tcb.SendMss);
    }

    [Fact]
    public void Closed_ConnectWithTimestamps_SendsTsvalWithZeroEcho()
    {
        var h = Closed(WithTimestamps);
        h.Tcb.Connect(h.Now, LocalIsn);
        var syn = Assert.Single(h.Dispatch());
        Assert.NotNull(syn.Timestamp);
        Assert.Equal(0u, syn.Timestamp!.Value.EchoReply);
    }

    private static (TcbHarness H, uint PeerTs) EstablishedWithTimestamps()
    {
        var h = Passive(WithTimestamps);
        h.Send(Syn with { Timestamp = new TcpTimestamp(1000, 0) });
        var synAck = Assert.Single(h.Dispatch());
        h.Send(In with { Timestamp = new TcpTimestamp(1001, synAck.Timestamp!.Value.Value) });
        return (h, 1001);
    }

    [Fact]
    public void Established_OldTimestamp_IsRejectedByPaws()
    {
        var (h, ts) = EstablishedWithTimestamps();
        h.Send(In with { Timestamp = new TcpTimestamp(ts - 10, 0) }, Bytes(100));
        var ack = Assert.Single(h.Dispatch());
        Assert.Equal(RemoteIsn + 1, ack.AckNumber);
        Assert.False(h.Tcb.CanReceive);
        Assert.Equal(1, h.Tcb.GetInfo().SegmentsDropped);
    }

    [Fact]
    public void Established_OldTimestampOnRst_IsNotPawsChecked()
    {
        var (h, ts) = EstablishedWithTimestamps();
        h.Send(In with { Control = TcpControl.Rst, Timestamp = new TcpTimestamp(ts - 10, 0) });
        Assert.Equal(TcpError.ConnectionReset, h.Tcb.Error);
    }

    [Fact]
    public void Established_NewerTimestamp_IsAcceptedAndEchoed()
    {
        var (h, ts) = EstablishedWithTimestamps();
        h.Send(In with { Timestamp = new TcpTimestamp(ts + 500, 0) }, Bytes(10));
        Assert.True(h.Tcb.CanReceive);
        h.Tcb.Send(Bytes(1));
        Assert.Equal(ts + 500, Assert.Single(h.Dispatch()).Timestamp!.Value.EchoReply);
    }

    [Fact]
    public void Established_AckEchoingTimestamp_GivesRttSample()
    {
        var (h, ts) = EstablishedWithTimestamps();
        h.Tcb.Send(Bytes(100));
        var seg = Assert.Single(h.Dispatch());
        h.Send(In with { AckNumber = LocalIsn + 101, Timestamp = new TcpTimestamp(ts + 1, seg.Timestamp!.Value.Value) }, atMs: 80);
        // Handshake sample 0 ms, then 80 ms: SRTT = 80/8.
        Assert.Equal(TimeSpan.FromMilliseconds(10), h.Tcb.GetInfo().SmoothedRtt);
    }

    [Fact]
    public void Listen_SynWithSackPermitted_EchoesIt()
    {
        var h = Passive();
        h.Send(Syn with { SackPermitted = true });
        h.Expect(SynAck with { SackPermitted = true });
        h.Send(In);
        Assert.True(h.Tcb.GetInfo().Sack);
    }

    [Fact]
    public void Listen_SackDisabledLocally_DoesNotEchoIt()
    {
        var h = Passive(DefaultConfig with { Sack = false });
        h.Send(Syn with { SackPermitted = true });
        h.Expect(SynAck);
    }

    [Fact]
    public void Established_SackWithTimestamps_SendsAtMostThreeBlocks()
    {
        var h = Passive(WithTimestamps);
        h.Send(Syn with { SackPermitted = true, Timestamp = new TcpTimestamp(1000, 0) });
        var synAck = Assert.Single(h.Dispatch());
        h.Send(In with { Timestamp = new TcpTimestamp(1001, synAck.Timestamp!.Value.Value) });
        for (int i = 1; i <= 5; i++)
        {
            h.Send(In with { SeqNumber = RemoteIsn + 1 + (i * 200), Timestamp = new TcpTimestamp(1001, 0) }, Bytes(100));
            h.Dispatch();
        }
        h.Send(In with { SeqNumber = RemoteIsn + 1 + (6 * 200), Timestamp = new TcpTimestamp(1001, 0) }, Bytes(100));
        var ack = Assert.Single(h.Dispatch());
        Assert.Equal(3, ack.SackBlocks.Count);
        Assert.Equal(new TcpSackBlock(RemoteIsn + 1201, RemoteIsn + 1301), ack.SackBlocks[0]);
    }

    [Fact]
    public void Closed_ConnectAndMss_AnnouncesConfiguredMss()
    {
        var h = Closed(DefaultConfig with { MaxSegmentSize = 1200 });
        h.Tcb.Connect(h.Now, LocalIsn);
        Assert.Equal((ushort)1200, Assert.Single(h.Dispatch()).MaxSegmentSize);
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460 });
        Assert.Equal(1200, h.Tcb.SendMss);
    }

    [Fact]
    public void Established_IcmpFragmentationNeeded_LowersMss()
    {
        var h = Established();
        h.Tcb.OnIcmpError(h.Now, TcpIcmpError.FragmentationNeeded, nextHopMtu: 1280);
        Assert.Equal(1240, h.Tcb.SendMss);
    }
}
