using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// Super-segments for segmentation offload (TSO): with <see cref="Tcb.SegmentationOffloadLimit"/> new data leaves in
/// segments of several MSS for the link to cut, bounded by cwnd and the peer's window, while Nagle, SWS and every
/// retransmission still work per MSS (RFC 9293 §3.8.6.2.1, RFC 896, RFC 5681, RFC 6298).
/// </summary>
public class TcbSegmentationOffloadTests
{
    private const int Mss = 1460;
    private const int Limit = 65_000;

    private static TcbHarness EstablishedWithTso(TcpConfig? config = null, int limit = Limit)
    {
        var h = Established(config);
        h.Tcb.SegmentationOffloadLimit = limit;
        return h;
    }

    /// <summary>Everything the TCB sends now, with the wire segment size of each (0: an ordinary segment).</summary>
    private static List<(TcpRepr Segment, int SegmentSize, byte[] Payload)> Dispatch(TcbHarness h)
    {
        var list = new List<(TcpRepr, int, byte[])>();
        var buffer = new byte[65_536];
        for (int guard = 0; guard < 10_000 && h.Tcb.TryDispatch(h.Now, buffer, out var segment, out int size); guard++)
            list.Add((segment, size, buffer.AsSpan(0, segment.PayloadLength).ToArray()));
        return list;
    }

    [Fact]
    public void Disabled_LargeSend_SendsMssSegmentsOnly()
    {
        var h = Established();
        Assert.Equal(0, h.Tcb.SegmentationOffloadLimit);
        h.Tcb.Send(Bytes(30_000));
        var segs = Dispatch(h);
        Assert.Equal(10, segs.Count);
        Assert.All(segs, s => Assert.Equal((Mss, 0), (s.Segment.PayloadLength, s.SegmentSize)));
    }

    [Fact]
    public void Unpaced_AfterAnRttSample_SuperSegmentsShrinkToOneMsOfTheWindowRate()
    {
        // Linux tcp_tso_autosize sizes bursts by sk_pacing_rate, which it computes whether or not it paces: here 2x
        // cwnd/SRTT is well under 2 MSS per ms, so each super-segment is 2 MSS (a 64 KiB burst would swamp a shallow queue).
        var h = EstablishedWithTso(DefaultConfig with { Pacing = false });
        h.Tcb.Send(Bytes(40 * Mss));
        Assert.Single(Dispatch(h)); // the initial window, before any RTT sample: one super-segment
        h.Send(In with { AckNumber = LocalIsn + 1 + (4 * Mss) }, atMs: 100);
        var segs = Dispatch(h);
        Assert.True(segs.Count >= 3, $"{segs.Count} segments");
        Assert.All(segs, s => Assert.Equal(2 * Mss, s.Segment.PayloadLength));
    }

    [Fact]
    public void Unpaced_ShortMinRttLongSrtt_SuperSegmentsKeepTheFullOffloadSize()
    {
        // Linux since 5.19 (tcp_tso_rtt_log 9) adds the offload size shifted right by min RTT / 512 µs to the 1 ms of the
        // rate: a flow whose path answered in 200 µs keeps whole bursts even when queueing has grown SRTT (here to ~13 ms,
        // where 1 ms of the window rate is about 2 MSS): 200 downloads from one server each got ~2 MSS per burst.
        var h = EstablishedWithTso(DefaultConfig with { Pacing = false });
        h.Tcb.Send(Bytes(60 * Mss));
        Assert.Single(Dispatch(h)); // the initial window (10 MSS), timed
        h.AdvanceTo(h.Now + TimeSpan.FromMicroseconds(200));
        h.Send(In with { AckNumber = LocalIsn + 1 + (4 * Mss) });
        var fast = Dispatch(h);
        int sent = 10 * Mss + fast.Sum(s => s.Segment.PayloadLength);
        h.AdvanceTo(h.Now + TimeSpan.FromMilliseconds(100));
        h.Send(In with { AckNumber = LocalIsn + 1 + sent });
        var segs = Dispatch(h);
        Assert.True(segs.Count == 1 && segs[0].Segment.PayloadLength > 4 * Mss,
            $"{segs.Count} segments: {string.Join(", ", segs.Select(s => s.Segment.PayloadLength / Mss))} MSS");
    }

    [Fact]
    public void Unpaced_MinRttTwoMsLongSrtt_WindowLeavesAsOneSuperSegment()
    {
        // Below 4 ms of min RTT a window-based flow is not paced: its window leaves back to back whatever the pieces, so
        // it goes as one super-segment. Linux's min-RTT term alone (1/8 of the offload size at 2 ms, the stack's timestamp
        // clock counting whole milliseconds) cut it into ~6 MSS pieces: 200 downloads from one loop measure 1–3 ms.
        var h = EstablishedWithTso();
        h.Tcb.Send(Bytes(60 * Mss));
        Assert.Single(Dispatch(h)); // the initial window (10 MSS), timed
        h.AdvanceTo(h.Now + TimeSpan.FromMilliseconds(2));
        h.Send(In with { AckNumber = LocalIsn + 1 + (4 * Mss) });
        var fast = Dispatch(h);
        int sent = 10 * Mss + fast.Sum(s => s.Segment.PayloadLength);
        h.AdvanceTo(h.Now + TimeSpan.FromMilliseconds(100));
        h.Send(In with { AckNumber = LocalIsn + 1 + sent });
        var segs = Dispatch(h);
        Assert.Equal(0, h.Tcb.CurrentPacingRate);
        Assert.True(segs.Count == 1 && segs[0].Segment.PayloadLength > 10 * Mss,
            $"{segs.Count} segments: {string.Join(", ", segs.Select(s => s.Segment.PayloadLength / Mss))} MSS");
    }

    [Fact]
    public void Enabled_LargeSend_OneSuperSegmentOfTheInitialWindow()
    {
        var h = EstablishedWithTso();
        long segmentsBefore = h.Tcb.GetInfo().SegmentsSent;
        var data = Bytes(30_000);
        h.Tcb.Send(data);
        var segs = Dispatch(h);
        var (segment, size, payload) = Assert.Single(segs);
        // RFC 6928: IW = 10 MSS, all of it in one super-segment cut at the MSS.
        Assert.Equal(Out with { PayloadLength = 10 * Mss }, segment);
        Assert.Equal(Mss, size);
        Assert.Equal(data.AsSpan(0, 10 * Mss).ToArray(), payload);
        var info = h.Tcb.GetInfo();
        Assert.Equal(10 * Mss, info.BytesInFlight);
        Assert.Equal(10, info.SegmentsSent - segmentsBefore); // counted as the wire segments it becomes
    }

    [Fact]
    public void Enabled_AckInSlowStart_NextSuperSegmentFillsTheGrownWindow()
    {
        var h = EstablishedWithTso();
        h.Tcb.Send(Bytes(60_000));
        Assert.Single(Dispatch(h));
        h.Send(In with { AckNumber = LocalIsn + 1 + 2 * Mss }, atMs: 10);
        // cwnd 14600 + 2920 (ABC) minus 11680 in flight: 4 MSS, as four ordinary segments would have been.
        var (segment, size, _) = Assert.Single(Dispatch(h));
        Assert.Equal(LocalIsn + 1 + 10 * Mss, segment.SeqNumber);
        Assert.Equal((4 * Mss, Mss), (segment.PayloadLength, size));
    }

    [Fact]
    public void Enabled_PeerWindow_BoundsTheSuperSegmentToWholeMss()
    {
        var h = EstablishedWithTso();
        h.Send(In with { WindowLength = 5000 });
        h.Tcb.Send(Bytes(10_000));
        // 5000 octets of window: three full segments; the 620-octet rest would be silly-window sending.
        var (segment, size, _) = Assert.Single(Dispatch(h));
        Assert.Equal((3 * Mss, Mss), (segment.PayloadLength, size));
    }

    [Fact]
    public void Enabled_Nagle_HoldsTheSubMssTail()
    {
        var h = EstablishedWithTso();
        h.Tcb.Send(Bytes(2000));
        // One full segment; the 540-octet tail waits for the ACK (RFC 896), as without offload.
        var (segment, size, _) = Assert.Single(Dispatch(h));
        Assert.Equal((Mss, 0), (segment.PayloadLength, size));
        Assert.Empty(Dispatch(h));
        h.Send(In with { AckNumber = LocalIsn + 1 + Mss }, atMs: 10);
        (segment, size, _) = Assert.Single(Dispatch(h));
        Assert.Equal(Out with { SeqNumber = LocalIsn + 1 + Mss, Push = true, PayloadLength = 540 }, segment);
        Assert.Equal(0, size);
    }

    [Fact]
    public void Enabled_NoDelay_TailRidesInTheSuperSegment()
    {
        var h = EstablishedWithTso(DefaultConfig with { NoDelay = true });
        h.Tcb.Send(Bytes(2000));
        var (segment, size, _) = Assert.Single(Dispatch(h));
        Assert.Equal(Out with { Push = true, PayloadLength = 2000 }, segment);
        Assert.Equal(Mss, size);
    }

    [Fact]
    public void Enabled_Shutdown_FinRidesOnTheLastSuperSegment()
    {
        var h = EstablishedWithTso();
        h.Tcb.Send(Bytes(5000));
        h.Tcb.Shutdown();
        var (segment, size, _) = Assert.Single(Dispatch(h));
        Assert.Equal(Out with { Control = TcpControl.Fin, Push = true, PayloadLength = 5000 }, segment);
        Assert.Equal(Mss, size);
        Assert.Equal(TcpState.FinWait1, h.Tcb.State);
    }

    [Fact]
    public void Enabled_CallerBufferUnderTheLimit_CapsTheSuperSegment()
    {
        var h = EstablishedWithTso();
        h.Tcb.Send(Bytes(30_000));
        var buffer = new byte[5000];
        Assert.True(h.Tcb.TryDispatch(h.Now, buffer, out var segment, out int size));
        Assert.Equal((3 * Mss, Mss), (segment.PayloadLength, size));
    }

    [Fact]
    public void Enabled_Timeout_RetransmissionsStayOneMss()
    {
        var h = EstablishedWithTso();
        h.Tcb.Send(Bytes(30_000));
        Assert.Equal(10 * Mss, Assert.Single(Dispatch(h)).Segment.PayloadLength);
        // RFC 6298 §5.4: the RTO (1 s, no sample yet) resends the first segment: one MSS, not the super-segment.
        h.AdvanceTo(1100);
        var (rto, size, _) = Assert.Single(Dispatch(h));
        Assert.Equal((LocalIsn + 1, Mss, 0), (rto.SeqNumber, rto.PayloadLength, size));
        // Go-back-N below SND.MAX: every resent segment is one MSS.
        for (int round = 1; round <= 3; round++)
        {
            h.Send(In with { AckNumber = LocalIsn + 1 + (round * round) * Mss }, atMs: 1100 + round * 10);
            var segs = Dispatch(h);
            Assert.NotEmpty(segs);
            Assert.All(segs, s =>
            {
                if (s.Segment.SeqNumber < LocalIsn + 1 + 10 * Mss)
                    Assert.Equal((Mss, 0), (s.Segment.PayloadLength, s.SegmentSize));
            });
        }
    }

    [Fact]
    public void Enabled_FastRetransmit_StaysOneMss()
    {
        var h = EstablishedWithTso();
        h.Tcb.Send(Bytes(60_000));
        Assert.Single(Dispatch(h));
        var all = new List<(TcpRepr Segment, int SegmentSize, byte[] Payload)>();
        for (int i = 1; i <= 3; i++)
        {
            h.Send(In, atMs: 10 + i);
            all.AddRange(Dispatch(h));
        }
        // RFC 5681 §3.2: the third duplicate ACK resends SND.UNA's segment, one MSS.
        var resent = Assert.Single(all, s => s.Segment.SeqNumber == LocalIsn + 1);
        Assert.Equal((Mss, 0), (resent.Segment.PayloadLength, resent.SegmentSize));
        Assert.Equal(1, h.Tcb.GetInfo().FastRetransmits);
    }

    [Fact]
    public void Enabled_BulkTransfer_NeverExceedsCwndOrPeerWindow()
    {
        var h = EstablishedWithTso(DefaultConfig with { SendBufferSize = 256 * 1024 });
        var data = Bytes(200_000);
        int queued = h.Tcb.Send(data);
        int superSegments = 0;
        var acked = LocalIsn + 1;
        for (int round = 0; round < 200 && acked < LocalIsn + 1 + data.Length; round++)
        {
            foreach (var (segment, size, payload) in Dispatch(h))
            {
                var info = h.Tcb.GetInfo();
                Assert.True(info.BytesInFlight <= Math.Min(info.CongestionWindow, info.PeerWindow),
                    $"round {round}: {info.BytesInFlight} in flight, cwnd {info.CongestionWindow}, window {info.PeerWindow}");
                Assert.True(segment.PayloadLength <= Limit);
                int offset = segment.SeqNumber - (LocalIsn + 1);
                Assert.Equal(data.AsSpan(offset, payload.Length).ToArray(), payload);
                if (size > 0)
                {
                    superSegments++;
                    Assert.Equal(Mss, size);
                    // Whole MSS multiples, except the tail of the queue.
                    Assert.True(segment.PayloadLength % Mss == 0 || offset + segment.PayloadLength == queued);
                }
            }
            // The peer acknowledges half of what is outstanding, then the rest, 10 ms apart.
            var info2 = h.Tcb.GetInfo();
            int half = (int)(info2.BytesInFlight / 2);
            acked += Math.Max(half, (int)Math.Min(info2.BytesInFlight, Mss));
            h.Send(In with { AckNumber = acked }, atMs: 10 + round * 10);
            if (queued < data.Length)
                queued += h.Tcb.Send(data.AsSpan(queued));
        }
        Assert.Equal(LocalIsn + 1 + data.Length, acked);
        Assert.True(superSegments > 5, $"{superSegments} super-segments");
    }

    [Fact]
    public void TcpHost_Limit_ReachesEveryConnection()
    {
        var host = new TcpHost(DefaultConfig) { SegmentationOffloadLimit = 40_000 };
        var tcb = host.Connect(Instant.Zero, LocalAddress, new TcpEndpoint(RemoteAddress, 80));
        Assert.Equal(40_000, tcb.SegmentationOffloadLimit);
        Assert.Throws<ArgumentOutOfRangeException>(() => host.SegmentationOffloadLimit = -1);
    }
}
