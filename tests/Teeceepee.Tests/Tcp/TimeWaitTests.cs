using System.Runtime.CompilerServices;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// Issue 13 item 1: TIME-WAIT as a 64-octet record in the host's table, the TCB released; RFC 9293 §3.10.7.4 rules
/// (retransmitted FIN, RST), RFC 6191 reopen, the cap with a counted skip, expiry from the FIFO.
/// </summary>
public class TimeWaitTests
{
    private static readonly IPv4Address Local = new(198, 18, 0, 2);
    private static readonly IPv4Address Remote = new(198, 18, 0, 1);
    private static readonly byte[] Key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    private static readonly TimeSpan Msl = TimeSpan.FromSeconds(30);
    private const uint PeerIsn = 7000;
    private const uint PeerTs = 100;

    private static TcpHost NewHost(int limit = 262144) =>
        new(TcpConfig.Default with { Msl = Msl, MaxTimeWaitRecords = limit }, new IsnGenerator(Key), new EphemeralPortAllocator(Key), new SynCookies(Key));

    private static List<TcpOutgoing> DispatchAll(TcpHost host, Instant now)
    {
        var list = new List<TcpOutgoing>();
        var buffer = new byte[65536];
        while (host.TryDispatch(now, buffer, out var o))
            list.Add(o);
        return list;
    }

    private static TcpFourTuple KeyOf(ushort port) => new(Local, 80, Remote, port);

    private static TcpRepr PeerSegment(ushort port, uint seq, SeqNumber? ack, uint? tsval, uint tsecr = 0) => new()
    {
        SourcePort = port,
        DestinationPort = 80,
        SeqNumber = new SeqNumber(seq),
        AckNumber = ack,
        WindowLength = 512,
        Timestamp = tsval is { } v ? new TcpTimestamp(v, tsecr) : null,
    };

    /// <summary>
    /// The peer at Remote:<paramref name="port"/> connects, the host's side closes first and the peer answers with
    /// ACK + FIN, so the host's end goes to TIME-WAIT; returns the host's last ACK (SND.NXT, RCV.NXT).
    /// </summary>
    private static TcpRepr CloseIntoTimeWait(TcpHost host, TcpListenerQueue listener, ushort port, Instant now, bool timestamps = true, uint peerIsn = PeerIsn)
    {
        uint? ts = timestamps ? PeerTs : null;
        var syn = PeerSegment(port, peerIsn, null, ts) with { Control = TcpControl.Syn, WindowLength = 65535, MaxSegmentSize = 1460, WindowScale = 7, SackPermitted = true };
        host.Process(now, Remote, Local, syn, []);
        var synAck = Assert.Single(DispatchAll(host, now)).Segment;
        uint echo = synAck.Timestamp?.Value ?? 0;
        host.Process(now, Remote, Local, PeerSegment(port, peerIsn + 1, synAck.SeqNumber + 1, ts + 1, echo), []);
        Assert.Empty(DispatchAll(host, now));
        Assert.True(listener.TryAccept(out var tcb));
        tcb.Close();
        var fin = Assert.Single(DispatchAll(host, now)).Segment;
        Assert.Equal(TcpControl.Fin, fin.Control);
        host.Process(now, Remote, Local, PeerSegment(port, peerIsn + 1, fin.SeqNumber + 1, ts + 2, echo) with { Control = TcpControl.Fin }, []);
        var last = Assert.Single(DispatchAll(host, now)).Segment;
        Assert.Equal(TcpState.TimeWait, tcb.State);
        return last;
    }

    [Fact]
    public void Record_IsAtMost64Octets()
    {
        Assert.Equal(64, Unsafe.SizeOf<TimeWaitRecord>());
    }

    [Fact]
    public void ActiveClose_LastAckSent_TcbLeavesTheHost_RecordHoldsSequenceAndTimestamps()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var now = Instant.FromMilliseconds(1000);
        var last = CloseIntoTimeWait(host, listener, 40000, now);

        Assert.Null(host.Find(KeyOf(40000)));
        var record = Assert.NotNull(host.FindTimeWait(KeyOf(40000)));
        Assert.Equal(last.SeqNumber, record.SendNext);
        Assert.Equal(new SeqNumber(PeerIsn + 2), record.ReceiveNext);
        Assert.Equal(last.AckNumber, record.ReceiveNext);
        Assert.Equal(PeerTs + 2, record.TsRecent);
        Assert.Equal(last.WindowLength, record.Window);
        Assert.Equal(now + 2 * Msl, record.Deadline);
        Assert.Equal(1, host.TimeWaitCount);
        Assert.Equal(1, host.CountInState(TcpState.TimeWait));
        Assert.Equal(1, host.ConnectionCount);
        Assert.Equal(now + 2 * Msl, host.PollAt());
    }

    [Fact]
    public void TimeWait_TcbIsCollectable_WhileTheRecordLives()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var weak = CloseAndForget(host, listener);
        // The TCB's stale timer entries (SYN-ACK retransmission) pop within the initial RTO.
        DispatchAll(host, Instant.FromMilliseconds(5000));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(weak.IsAlive, "the TCB is still referenced after it entered TIME-WAIT");
        Assert.Equal(1, host.TimeWaitCount);
        Assert.Equal(0, host.TimerHeapCount);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CloseAndForget(TcpHost host, TcpListenerQueue listener)
    {
        var now = Instant.FromMilliseconds(1000);
        var syn = PeerSegment(40001, PeerIsn, null, PeerTs) with { Control = TcpControl.Syn, MaxSegmentSize = 1460 };
        host.Process(now, Remote, Local, syn, []);
        var synAck = Assert.Single(DispatchAll(host, now)).Segment;
        host.Process(now, Remote, Local, PeerSegment(40001, PeerIsn + 1, synAck.SeqNumber + 1, PeerTs + 1), []);
        Assert.True(listener.TryAccept(out var tcb));
        tcb.Close();
        var fin = Assert.Single(DispatchAll(host, now)).Segment;
        host.Process(now, Remote, Local, PeerSegment(40001, PeerIsn + 1, fin.SeqNumber + 1, PeerTs + 2) with { Control = TcpControl.Fin }, []);
        Assert.Single(DispatchAll(host, now));
        return new WeakReference(tcb);
    }

    [Fact]
    public void TimeWait_RetransmittedFin_IsAckedAgain_AndTheWaitRestarts()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var entered = Instant.FromMilliseconds(1000);
        var last = CloseIntoTimeWait(host, listener, 40000, entered);

        // RFC 9293 §3.10.7.4: the only thing that can arrive is a retransmission of the remote FIN: ACK it, restart 2×MSL.
        var later = entered + TimeSpan.FromSeconds(20);
        host.Process(later, Remote, Local, PeerSegment(40000, PeerIsn + 1, last.SeqNumber, PeerTs + 3) with { Control = TcpControl.Fin }, []);
        var again = Assert.Single(DispatchAll(host, later));
        Assert.Equal(last.SeqNumber, again.Segment.SeqNumber);
        Assert.Equal(last.AckNumber, again.Segment.AckNumber);
        Assert.Equal(TcpControl.None, again.Segment.Control);
        Assert.Equal(PeerTs + 2, again.Segment.Timestamp!.Value.EchoReply);
        Assert.Equal(last.Timestamp!.Value.Value + 20_000, again.Segment.Timestamp!.Value.Value);
        Assert.Equal(later + 2 * Msl, host.PollAt());

        // The first deadline passes without expiry; the restarted one expires it.
        Assert.Empty(DispatchAll(host, entered + 2 * Msl));
        Assert.Equal(1, host.TimeWaitCount);
        Assert.Empty(DispatchAll(host, later + 2 * Msl));
        Assert.Equal(0, host.TimeWaitCount);
        Assert.Equal(0, host.ConnectionCount);
        Assert.Equal(Instant.MaxValue, host.PollAt());
    }

    [Fact]
    public void TimeWait_ResetAtReceiveNext_RemovesTheRecord_OtherResetsAreDropped()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var now = Instant.FromMilliseconds(1000);
        CloseIntoTimeWait(host, listener, 40000, now);

        host.Process(now, Remote, Local, PeerSegment(40000, PeerIsn + 100, null, null) with { Control = TcpControl.Rst }, []);
        Assert.Empty(DispatchAll(host, now));
        Assert.Equal(1, host.TimeWaitCount);

        // RFC 9293 §3.10.7.4 second check (Linux's default too): a RST at RCV.NXT closes TIME-WAIT.
        host.Process(now, Remote, Local, PeerSegment(40000, PeerIsn + 2, null, null) with { Control = TcpControl.Rst }, []);
        Assert.Empty(DispatchAll(host, now));
        Assert.Equal(0, host.TimeWaitCount);
    }

    [Fact]
    public void TimeWait_SynWithHigherTimestamp_ReopensTheFourTuple_Rfc6191()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var now = Instant.FromMilliseconds(1000);
        CloseIntoTimeWait(host, listener, 40000, now);

        // A lower sequence number, but a newer timestamp: RFC 6191 lets the timestamp decide.
        var syn = PeerSegment(40000, PeerIsn - 5000, null, PeerTs + 10) with { Control = TcpControl.Syn, MaxSegmentSize = 1460 };
        host.Process(now, Remote, Local, syn, []);
        var synAck = Assert.Single(DispatchAll(host, now)).Segment;
        Assert.Equal(TcpControl.Syn, synAck.Control);
        Assert.Equal(new SeqNumber(PeerIsn - 5000 + 1), synAck.AckNumber);
        Assert.Equal(0, host.TimeWaitCount);
        Assert.Equal(1, host.TimeWaitReopened);
        Assert.Equal(TcpState.SynReceived, host.Find(KeyOf(40000))!.State);
    }

    [Fact]
    public void TimeWait_SynWithOlderTimestamp_IsAnsweredWithAnAck_RecordStays()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var now = Instant.FromMilliseconds(1000);
        var last = CloseIntoTimeWait(host, listener, 40000, now);

        var syn = PeerSegment(40000, PeerIsn + 100_000, null, PeerTs - 1) with { Control = TcpControl.Syn };
        host.Process(now, Remote, Local, syn, []);
        var ack = Assert.Single(DispatchAll(host, now)).Segment;
        Assert.Equal(TcpControl.None, ack.Control);
        Assert.Equal(last.AckNumber, ack.AckNumber);
        Assert.Equal(1, host.TimeWaitCount);
        Assert.Equal(1, host.Drops[TcpDropReason.Paws]);
    }

    [Fact]
    public void TimeWait_WithoutTimestamps_SynAboveReceiveNextReopens_SynBelowGetsAChallengeAck()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var now = Instant.FromMilliseconds(1000);
        var last = CloseIntoTimeWait(host, listener, 40000, now, timestamps: false);
        Assert.Null(last.Timestamp);

        var old = PeerSegment(40000, PeerIsn + 2, null, null) with { Control = TcpControl.Syn };
        host.Process(now, Remote, Local, old, []);
        Assert.Equal(TcpControl.None, Assert.Single(DispatchAll(host, now)).Segment.Control);
        Assert.Equal(1, host.TimeWaitCount);

        host.Process(now, Remote, Local, old with { SeqNumber = new SeqNumber(PeerIsn + 3) }, []);
        Assert.Equal(TcpControl.Syn, Assert.Single(DispatchAll(host, now)).Segment.Control);
        Assert.Equal(0, host.TimeWaitCount);
    }

    [Fact]
    public void TableAtItsLimit_NextCloseSkipsTimeWait_AndIsCounted()
    {
        var host = NewHost(limit: 2);
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var now = Instant.FromMilliseconds(1000);
        for (ushort port = 40000; port < 40003; port++)
            CloseIntoTimeWait(host, listener, port, now);

        Assert.Equal(2, host.TimeWaitCount);
        Assert.Equal(1, host.TimeWaitSkipped);
        Assert.NotNull(host.FindTimeWait(KeyOf(40001)));
        Assert.Null(host.FindTimeWait(KeyOf(40002)));
        Assert.Null(host.Find(KeyOf(40002)));
        // The skipped 4-tuple is free: a segment to it now meets the listener, which resets a stray ACK.
        host.Process(now, Remote, Local, PeerSegment(40002, PeerIsn + 2, new SeqNumber(1), null), []);
        Assert.Equal(TcpControl.Rst, Assert.Single(DispatchAll(host, now)).Segment.Control);
        Assert.Equal(2, host.ConnectionCount);
    }

    [Fact]
    public void ManyRecords_ExpireInDeadlineOrder_AndTheTableShrinksBack()
    {
        var host = NewHost();
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var start = Instant.FromMilliseconds(1000);
        for (int i = 0; i < 1000; i++)
            CloseIntoTimeWait(host, listener, (ushort)(20000 + i), start + TimeSpan.FromMilliseconds(i));
        Assert.Equal(1000, host.TimeWaitCount);
        long full = host.TimeWaitTableBytes;

        // Half the deadlines have passed: exactly the older half is gone.
        DispatchAll(host, start + 2 * Msl + TimeSpan.FromMilliseconds(499));
        Assert.Equal(500, host.TimeWaitCount);
        Assert.Null(host.FindTimeWait(KeyOf(20499)));
        Assert.NotNull(host.FindTimeWait(KeyOf(20500)));
        Assert.Equal(start + 2 * Msl + TimeSpan.FromMilliseconds(500), host.PollAt());

        DispatchAll(host, start + 2 * Msl + TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, host.TimeWaitCount);
        Assert.True(host.TimeWaitTableBytes < full / 8, $"{host.TimeWaitTableBytes} of {full} bytes kept");
    }
}
