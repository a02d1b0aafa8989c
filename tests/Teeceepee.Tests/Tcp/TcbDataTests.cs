using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>Data transfer: segmentation, windows, Nagle, SWS, ACK policy (RFC 9293 §3.8, RFC 5681 §4.2, RFC 1122 §4.2.3).</summary>
public class TcbDataTests
{
    private static readonly TcpConfig NoDelay = DefaultConfig with { NoDelay = true };

    // ---- Sending ---------------------------------------------------------------------------

    [Fact]
    public void Established_Send_SendsDataWithPush()
    {
        var h = Established();
        var data = Bytes(100);
        Assert.Equal(100, h.Tcb.Send(data));
        h.Expect(Out with { Push = true, PayloadLength = 100 });
        Assert.Equal(data, h.Payloads[0]);
    }

    [Fact]
    public void Established_SendLarge_SendsInitialWindowOfFullSegments()
    {
        var h = Established();
        var data = Bytes(30_000);
        Assert.Equal(30_000, h.Tcb.Send(data));
        var segs = h.Dispatch();
        // RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)) = 14600 for MSS 1460.
        Assert.Equal(10, segs.Count);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(LocalIsn + 1 + (i * 1460), segs[i].SeqNumber);
            Assert.Equal(1460, segs[i].PayloadLength);
            Assert.Equal(data.AsSpan(i * 1460, 1460).ToArray(), h.Payloads[i]);
        }
        Assert.Equal(14_600, h.Tcb.GetInfo().BytesInFlight);
    }

    [Fact]
    public void Established_AckInSlowStart_GrowsWindowAndSendsMore()
    {
        var h = Established();
        h.Tcb.Send(Bytes(60_000));
        Assert.Equal(10, h.Dispatch().Count);
        h.Send(In with { AckNumber = LocalIsn + 1 + 2920 }, atMs: 10);
        // cwnd 14600 + 2920 (ABC, L = 2 SMSS) minus 11680 still in flight: four more segments.
        var segs = h.Dispatch();
        Assert.Equal(4, segs.Count);
        Assert.Equal(LocalIsn + 1 + 14_600, segs[0].SeqNumber);
    }

    [Fact]
    public void Established_PeerWindow_LimitsBytesInFlight()
    {
        var h = Established();
        h.Send(In with { WindowLength = 3000 });
        h.Tcb.Send(Bytes(10_000));
        var segs = h.Dispatch();
        // Two full segments fit; the 80-byte remainder would be silly-window sending (RFC 9293 §3.8.6.2.1).
        Assert.Equal([1460, 1460], segs.Select(s => s.PayloadLength));
    }

    [Fact]
    public void Established_Nagle_HoldsSmallSegmentWhileDataUnacked()
    {
        var h = Established();
        h.Tcb.Send(Bytes(10));
        h.Expect(Out with { Push = true, PayloadLength = 10 });
        h.Tcb.Send(Bytes(10));
        h.ExpectNothing();
        h.Send(In with { AckNumber = LocalIsn + 11 });
        h.Expect(Out with { SeqNumber = LocalIsn + 11, Push = true, PayloadLength = 10 });
    }

    [Fact]
    public void Established_NoDelay_SendsSmallSegmentsAtOnce()
    {
        var h = Established(NoDelay);
        h.Tcb.Send(Bytes(10));
        h.Tcb.Send(Bytes(10));
        h.Expect(Out with { Push = true, PayloadLength = 20 });
        h.Tcb.Send(Bytes(10));
        h.Expect(Out with { SeqNumber = LocalIsn + 21, Push = true, PayloadLength = 10 });
    }

    [Fact]
    public void Established_Nagle_SendsFullSegmentsWhileUnacked()
    {
        var h = Established();
        h.Tcb.Send(Bytes(10));
        h.Dispatch();
        h.Tcb.Send(Bytes(1500));
        var segs = h.Dispatch();
        Assert.Equal([1460], segs.Select(s => s.PayloadLength));
    }

    [Fact]
    public void Established_SendBufferFull_AcceptsOnlyCapacity()
    {
        var h = Established();
        Assert.Equal(BufferSize, h.Tcb.Send(Bytes(BufferSize + 5000)));
        Assert.False(h.Tcb.CanSend);
        h.Dispatch();
        h.Send(In with { AckNumber = LocalIsn + 1 + 1460 });
        Assert.True(h.Tcb.CanSend);
        Assert.Equal(1460, h.Tcb.Send(Bytes(5000)));
    }

    [Fact]
    public void Established_ZeroWindow_ProbesWithBackoff()
    {
        var h = Established();
        h.Send(In with { WindowLength = 0 });
        h.Tcb.Send(Bytes(100));
        h.ExpectNothing();
        var sent = h.RunUntil(1_700);
        // RFC 9293 §3.8.6.1: one-octet probes, the interval doubling (RTO 200 ms floor).
        Assert.Equal([200L, 400L, 800L, 1600L], sent.Select(s => s.AtMs));
        Assert.All(sent, s => Assert.Equal(Out with { PayloadLength = 1 }, s.Segment with { Push = false }));
        Assert.Equal(TcpState.Established, h.Tcb.State);
        // The window opens: the probe octet is acknowledged and the rest follows.
        h.Send(In with { AckNumber = LocalIsn + 2 });
        h.Expect(Out with { SeqNumber = LocalIsn + 2, Push = true, PayloadLength = 99 });
    }

    [Fact]
    public void Established_ZeroWindowAnsweredForever_DoesNotTimeOut()
    {
        var h = Established(DefaultConfig with { MaxRetransmissions = 3 });
        h.Send(In with { WindowLength = 0 });
        h.Tcb.Send(Bytes(100));
        for (long t = 0; t < 60_000; t += 100)
        {
            h.RunUntil(t);
            h.Send(In with { WindowLength = 0 });
        }
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    // ---- Receiving -------------------------------------------------------------------------

    [Fact]
    public void Established_ReceiveSegment_DelaysAck()
    {
        var h = Established();
        var data = Bytes(100);
        h.Send(In, data);
        h.ExpectNothing();
        var sent = h.RunUntil(100);
        Assert.Equal([(40L, Out with { AckNumber = RemoteIsn + 101, WindowLength = BufferSize - 100 })], sent);
        var buf = new byte[200];
        Assert.Equal(100, h.Tcb.Receive(buf));
        Assert.Equal(data, buf[..100]);
    }

    [Fact]
    public void Established_SecondFullSegment_AcksAtOnce()
    {
        var h = Established();
        h.Send(In, Bytes(1460));
        h.ExpectNothing();
        h.Send(In with { SeqNumber = RemoteIsn + 1461 }, Bytes(1460));
        h.Expect(Out with { AckNumber = RemoteIsn + 1 + 2920, WindowLength = BufferSize - 2920 });
    }

    [Fact]
    public void Established_DelayedAckDisabled_AcksEverySegment()
    {
        var h = Established(DefaultConfig with { DelayedAckTimeout = TimeSpan.Zero });
        h.Send(In, Bytes(10));
        h.Expect(Out with { AckNumber = RemoteIsn + 11, WindowLength = BufferSize - 10 });
    }

    [Fact]
    public void Established_OutgoingData_CarriesPendingAck()
    {
        var h = Established();
        h.Send(In, Bytes(10));
        h.Tcb.Send(Bytes(5));
        h.Expect(Out with { AckNumber = RemoteIsn + 11, WindowLength = BufferSize - 10, Push = true, PayloadLength = 5 });
        h.RunUntil(100);
        h.ExpectNothing();
    }

    [Fact]
    public void Established_OutOfOrderSegment_SendsImmediateDupAck()
    {
        var h = Established();
        h.Send(In with { SeqNumber = RemoteIsn + 1001 }, Bytes(100));
        h.Expect(Out);
        Assert.False(h.Tcb.CanReceive);
    }

    [Fact]
    public void Established_OutOfOrderSegment_SendsImmediateDupAckWithSack()
    {
        var h = Passive();
        h.Send(Syn with { SackPermitted = true });
        h.Expect(SynAck with { SackPermitted = true });
        h.Send(In);
        h.Send(In with { SeqNumber = RemoteIsn + 1001 }, Bytes(100));
        h.Expect(Out with { SackBlocks = TcpSackBlocks.Of(new TcpSackBlock(RemoteIsn + 1001, RemoteIsn + 1101)) });
        h.Send(In with { SeqNumber = RemoteIsn + 2001 }, Bytes(100));
        // RFC 2018 §4: the most recent block first.
        h.Expect(Out with
        {
            SackBlocks = TcpSackBlocks.Of(
                new TcpSackBlock(RemoteIsn + 2001, RemoteIsn + 2101),
                new TcpSackBlock(RemoteIsn + 1001, RemoteIsn + 1101)),
        });
    }

    [Fact]
    public void Established_SegmentFillingHole_AcksEverythingAtOnce()
    {
        var h = Established();
        var data = Bytes(1100);
        h.Send(In with { SeqNumber = RemoteIsn + 1001 }, data.AsSpan(1000));
        h.Dispatch();
        h.Send(In, data.AsSpan(0, 1000));
        h.Expect(Out with { AckNumber = RemoteIsn + 1101, WindowLength = BufferSize - 1100 });
        var buf = new byte[2000];
        Assert.Equal(1100, h.Tcb.Receive(buf));
        Assert.Equal(data, buf[..1100]);
    }

    [Fact]
    public void Established_DuplicateSegment_IsAckedAndIgnored()
    {
        var h = Established(DefaultConfig with { DelayedAckTimeout = TimeSpan.Zero });
        h.Send(In, Bytes(10));
        h.Dispatch();
        h.Send(In, Bytes(10));
        h.Expect(Out with { AckNumber = RemoteIsn + 11, WindowLength = BufferSize - 10 });
        Assert.Equal(10, h.Tcb.GetInfo().ReceiveQueue);
    }

    [Fact]
    public void Established_OverlappingSegment_KeepsOnlyNewBytes()
    {
        var h = Established(DefaultConfig with { DelayedAckTimeout = TimeSpan.Zero });
        var data = Bytes(20);
        h.Send(In, data.AsSpan(0, 10));
        h.Send(In, data);
        var buf = new byte[100];
        Assert.Equal(20, h.Tcb.Receive(buf));
        Assert.Equal(data, buf[..20]);
    }

    [Fact]
    public void Established_AppReads_SendsWindowUpdateWhenWindowOpensEnough()
    {
        var h = Established(DefaultConfig with { ReceiveBufferSize = 4096 });
        h.Send(In, Bytes(1024));
        h.Send(In with { SeqNumber = RemoteIsn + 1025 }, Bytes(1024));
        h.Expect(Out with { AckNumber = RemoteIsn + 2049, WindowLength = 2048 });
        h.Send(In with { SeqNumber = RemoteIsn + 2049 }, Bytes(1024));
        h.Send(In with { SeqNumber = RemoteIsn + 3073 }, Bytes(1024));
        h.Expect(Out with { AckNumber = RemoteIsn + 4097, WindowLength = 0 });
        var buf = new byte[1000];
        Assert.Equal(1000, h.Tcb.Receive(buf));
        h.ExpectNothing(); // 1000 < min(2 MSS, half the buffer): receiver SWS avoidance
        Assert.Equal(1000, h.Tcb.Receive(buf));
        Assert.Equal(100, h.Tcb.Receive(buf.AsSpan(0, 100)));
        h.Expect(Out with { AckNumber = RemoteIsn + 4097, WindowLength = 2100 });
    }

    [Fact]
    public void Established_ZeroReceiveWindow_ProbeIsAckedWithZeroWindow()
    {
        var h = Established(DefaultConfig with { ReceiveBufferSize = 2048, DelayedAckTimeout = TimeSpan.Zero });
        h.Send(In, Bytes(2048));
        h.Expect(Out with { AckNumber = RemoteIsn + 2049, WindowLength = 0 });
        h.Send(In with { SeqNumber = RemoteIsn + 2049 }, Bytes(1));
        h.Expect(Out with { AckNumber = RemoteIsn + 2049, WindowLength = 0 });
        Assert.Equal(2048, h.Tcb.GetInfo().ReceiveQueue);
    }

    [Fact]
    public void Established_FinAfterHole_IsHeldUntilHoleFills()
    {
        var h = Established();
        h.Send(In with { SeqNumber = RemoteIsn + 11, Control = TcpControl.Fin }, Bytes(10));
        h.Expect(Out);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        h.Send(In, Bytes(10));
        h.Expect(Out with { AckNumber = RemoteIsn + 22, WindowLength = BufferSize - 20 });
        Assert.Equal(TcpState.CloseWait, h.Tcb.State);
        var buf = new byte[100];
        Assert.Equal(20, h.Tcb.Receive(buf));
        Assert.True(h.Tcb.IsReceiveFinished);
    }

    [Fact]
    public void Established_DataAndFin_BothDeliveredThenEndOfStream()
    {
        var h = Established();
        h.Send(In with { Control = TcpControl.Fin }, Bytes(5));
        h.Expect(Out with { AckNumber = RemoteIsn + 7, WindowLength = BufferSize - 5 });
        Assert.False(h.Tcb.IsReceiveFinished);
        var buf = new byte[10];
        Assert.Equal(5, h.Tcb.Receive(buf));
        Assert.True(h.Tcb.IsReceiveFinished);
        Assert.Equal(0, h.Tcb.Receive(buf));
    }

    [Fact]
    public void CloseWait_SendsDataThenFin_HalfClose()
    {
        var h = CloseWait();
        h.Tcb.Send(Bytes(50));
        h.Tcb.Shutdown();
        h.Expect(Out with { AckNumber = RemoteIsn + 2, Control = TcpControl.Fin, Push = true, PayloadLength = 50 });
        h.Send(In with { SeqNumber = RemoteIsn + 2, AckNumber = LocalIsn + 52 });
        Assert.Equal(TcpState.Closed, h.Tcb.State);
    }

    [Fact]
    public void Established_ShutdownWithQueuedData_SendsFinOnLastSegment()
    {
        var h = Established();
        h.Tcb.Send(Bytes(3000));
        h.Tcb.Shutdown();
        var segs = h.Dispatch();
        Assert.Equal([1460, 1460, 80], segs.Select(s => s.PayloadLength));
        Assert.Equal([TcpControl.None, TcpControl.None, TcpControl.Fin], segs.Select(s => s.Control));
    }

    [Fact]
    public void Established_SmallWindowIncrease_IsNotAdvertised()
    {
        var h = Established(DefaultConfig with { ReceiveBufferSize = 4096, DelayedAckTimeout = TimeSpan.Zero });
        h.Send(In, Bytes(1000));
        h.Send(In with { SeqNumber = RemoteIsn + 1001 }, Bytes(1000));
        h.Send(In with { SeqNumber = RemoteIsn + 2001 }, Bytes(1000));
        h.Send(In with { SeqNumber = RemoteIsn + 3001 }, Bytes(1000));
        h.Expect(Out with { AckNumber = RemoteIsn + 4001, WindowLength = 96 });
        Assert.Equal(100, h.Tcb.Receive(new byte[100]));
        h.ExpectNothing();
        h.Send(In with { SeqNumber = RemoteIsn + 4001 }, Bytes(50));
        // RFC 9293 §3.8.6.2.2: the right edge moves only by min(half the buffer, one MSS) or more,
        // so the 100 octets read are not offered yet: the window just shrinks by what arrived.
        h.Expect(Out with { AckNumber = RemoteIsn + 4051, WindowLength = 46 });
    }

    [Fact]
    public void Established_BatchOfOutOfOrderSegments_SendsOneDupAckEach()
    {
        var h = Established();
        for (int i = 1; i <= 3; i++)
            h.Send(In with { SeqNumber = RemoteIsn + 1 + (i * 100) }, Bytes(100));
        // RFC 5681 §4.2: one immediate duplicate ACK per out-of-order segment, even when they arrive in one poll.
        h.Expect(Out, Out, Out);
    }

    [Fact]
    public void Established_DispatchBufferSmallerThanMss_SendsBufferSizedSegments()
    {
        var h = Established();
        h.Tcb.Send(Bytes(5000));
        var buffer = new byte[1000];
        var sizes = new List<int>();
        while (h.Tcb.TryDispatch(h.Now, buffer, out var seg))
            sizes.Add(seg.PayloadLength);
        Assert.Equal([1000, 1000, 1000, 1000, 1000], sizes);
        Assert.NotEqual(Instant.Zero, h.Tcb.PollAt());
    }
}
