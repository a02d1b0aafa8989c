using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// smoltcp-style harness: one <see cref="Tcb"/> on virtual time, segments in with <see cref="Send(TcpRepr, long)"/>,
/// segments out checked with <see cref="Expect"/>. Sequence numbers: ours start at <see cref="LocalIsn"/>,
/// the peer's at <see cref="RemoteIsn"/>.
/// </summary>
internal sealed class TcbHarness
{
    public static readonly IPv4Address LocalAddress = new(198, 18, 0, 2);
    public static readonly IPv4Address RemoteAddress = new(198, 18, 0, 1);
    public const ushort LocalPort = 80;
    public const ushort RemotePort = 49500;
    public static readonly SeqNumber LocalIsn = new(10_000);
    public static readonly SeqNumber RemoteIsn = new(20_000);
    public const int BufferSize = 64_000;

    /// <summary>
    /// Test defaults: small round buffers, timestamps off (so SYNs are predictable), NewReno (the recovery tests' window
    /// arithmetic is RFC 5681/6937's ssthresh = flight/2; CUBIC's β = 0.7 has its own tests), no PLPMTUD (repeated
    /// timeouts of full segments would otherwise lower the MSS: TcbPathMtuTests covers that), and no pacing (the rule
    /// tests count the segments a window releases at one instant; TcbPacingTests covers pacing).
    /// </summary>
    public static TcpConfig DefaultConfig { get; } = new()
    {
        CongestionControl = CongestionAlgorithm.NewReno,
        MtuProbing = false,
        Pacing = false,
        SendBufferSize = BufferSize,
        ReceiveBufferSize = BufferSize,
        Timestamps = false,
        Msl = TimeSpan.FromSeconds(1),
    };

    /// <summary>A segment from the peer to us.</summary>
    public static TcpRepr In { get; } = new()
    {
        SourcePort = RemotePort,
        DestinationPort = LocalPort,
        SeqNumber = RemoteIsn + 1,
        AckNumber = LocalIsn + 1,
        WindowLength = 64_000,
    };

    /// <summary>A segment from us to the peer.</summary>
    public static TcpRepr Out { get; } = new()
    {
        SourcePort = LocalPort,
        DestinationPort = RemotePort,
        SeqNumber = LocalIsn + 1,
        AckNumber = RemoteIsn + 1,
        WindowLength = BufferSize,
    };

    /// <summary>The peer's SYN.</summary>
    public static TcpRepr Syn { get; } = In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, AckNumber = null, MaxSegmentSize = 1460 };

    /// <summary>Our SYN-ACK to <see cref="Syn"/>.</summary>
    public static TcpRepr SynAck { get; } = Out with { Control = TcpControl.Syn, SeqNumber = LocalIsn, MaxSegmentSize = 1460 };

    public TcbHarness(TcpConfig? config = null)
    {
        Config = config ?? DefaultConfig;
        Tcb = new Tcb(Config, LocalAddress, LocalPort, RemoteAddress, RemotePort);
    }

    private bool _passive;

    public TcpConfig Config { get; }
    public Tcb Tcb { get; }
    public Instant Now { get; private set; }
    public List<byte[]> Payloads { get; } = [];
    public long NowMs => Now.TotalMilliseconds;

    public void AdvanceTo(long ms)
    {
        var at = Instant.FromMilliseconds(ms);
        if (at > Now)
            Now = at;
    }

    public void AdvanceTo(Instant at)
    {
        if (at > Now)
            Now = at;
    }

    public void Advance(long ms) => Now += TimeSpan.FromMilliseconds(ms);

    /// <summary>Delivers a segment at <paramref name="atMs"/> (or now when negative).</summary>
    public void Send(TcpRepr segment, long atMs = -1) => Send(segment, [], atMs);

    public void Send(TcpRepr segment, ReadOnlySpan<byte> payload, long atMs = -1)
    {
        if (atMs >= 0)
            AdvanceTo(atMs);
        segment = segment with { PayloadLength = payload.Length };
        if (_passive && Tcb.State == TcpState.Closed && segment.Control == TcpControl.Syn && segment.AckNumber is null)
        {
            _passive = false;
            Tcb.AcceptSyn(Now, segment, LocalIsn);
            return;
        }
        Tcb.Process(Now, segment, payload);
    }

    /// <summary>Everything the TCB sends now.</summary>
    public List<TcpRepr> Dispatch()
    {
        var list = new List<TcpRepr>();
        var buffer = new byte[65536];
        Payloads.Clear();
        for (int guard = 0; guard < 10_000 && Tcb.TryDispatch(Now, buffer, out var seg); guard++)
        {
            list.Add(seg);
            Payloads.Add(buffer.AsSpan(0, seg.PayloadLength).ToArray());
        }
        return list;
    }

    public void Expect(params TcpRepr[] expected)
    {
        var actual = Dispatch();
        for (int i = 0; i < Math.Min(expected.Length, actual.Count); i++)
            Assert.Equal(expected[i], actual[i]);
        if (actual.Count != expected.Length)
            Assert.Fail($"expected {expected.Length} segments, got {actual.Count}: " + string.Join("; ", actual));
    }

    /// <summary>Like <see cref="Expect"/> but ignoring the window field (for factories under custom buffer sizes).</summary>
    public void ExpectIgnoringWindow(params TcpRepr[] expected)
    {
        var actual = Dispatch();
        if (actual.Count != expected.Length)
            Assert.Fail($"expected {expected.Length} segments, got {actual.Count}: " + string.Join("; ", actual));
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i] with { WindowLength = actual[i].WindowLength }, actual[i]);
    }

    public void ExpectNothing()
    {
        var actual = Dispatch();
        Assert.True(actual.Count == 0, "expected nothing, got: " + string.Join("; ", actual));
    }

    /// <summary>Runs timers until <paramref name="ms"/>, collecting every segment sent on the way.</summary>
    public List<(long AtMs, TcpRepr Segment)> RunUntil(long ms)
    {
        var sent = new List<(long, TcpRepr)>();
        var end = Instant.FromMilliseconds(ms);
        while (true)
        {
            foreach (var s in Dispatch())
                sent.Add((NowMs, s));
            var next = Tcb.PollAt();
            if (next > end)
                break;
            if (next > Now)
                Now = next;
        }
        Now = Instant.Max(Now, end);
        foreach (var s in Dispatch())
            sent.Add((NowMs, s));
        return sent;
    }

    // ---- Factories per state --------------------------------------------------------------

    public static TcbHarness Closed(TcpConfig? config = null) => new(config);

    /// <summary>
    /// A CLOSED TCB for a passive open: the first SYN goes to <see cref="Tcb.AcceptSyn"/> with ISS <see cref="LocalIsn"/>,
    /// as <see cref="TcpHost"/>'s listener hands it over (LISTEN itself is the host's: TcpHostListenTests).
    /// </summary>
    public static TcbHarness Passive(TcpConfig? config = null) => new(config) { _passive = true };

    public static TcbHarness SynSent(TcpConfig? config = null)
    {
        var h = new TcbHarness(config);
        h.Tcb.Connect(h.Now, LocalIsn);
        var segs = h.Dispatch();
        Assert.Single(segs);
        Assert.Equal(TcpControl.Syn, segs[0].Control);
        return h;
    }

    public static TcbHarness SynReceived(TcpConfig? config = null)
    {
        var h = Passive(config);
        h.Send(Syn);
        h.ExpectIgnoringWindow(SynAck);
        Assert.Equal(TcpState.SynReceived, h.Tcb.State);
        return h;
    }

    public static TcbHarness Established(TcpConfig? config = null)
    {
        var h = SynReceived(config);
        h.Send(In);
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Tcb.State);
        return h;
    }

    /// <summary>ESTABLISHED, then Shutdown: our FIN (seq LocalIsn+1) is out.</summary>
    public static TcbHarness FinWait1(TcpConfig? config = null)
    {
        var h = Established(config);
        h.Tcb.Shutdown();
        h.ExpectIgnoringWindow(Out with { Control = TcpControl.Fin });
        Assert.Equal(TcpState.FinWait1, h.Tcb.State);
        return h;
    }

    public static TcbHarness FinWait2(TcpConfig? config = null)
    {
        var h = FinWait1(config);
        h.Send(In with { AckNumber = LocalIsn + 2 });
        h.ExpectNothing();
        Assert.Equal(TcpState.FinWait2, h.Tcb.State);
        return h;
    }

    /// <summary>ESTABLISHED, then the peer's FIN (seq RemoteIsn+1) arrived and was ACKed.</summary>
    public static TcbHarness CloseWait(TcpConfig? config = null)
    {
        var h = Established(config);
        h.Send(In with { Control = TcpControl.Fin });
        h.ExpectIgnoringWindow(Out with { AckNumber = RemoteIsn + 2 });
        Assert.Equal(TcpState.CloseWait, h.Tcb.State);
        return h;
    }

    public static TcbHarness LastAck(TcpConfig? config = null)
    {
        var h = CloseWait(config);
        h.Tcb.Shutdown();
        h.ExpectIgnoringWindow(Out with { Control = TcpControl.Fin, AckNumber = RemoteIsn + 2 });
        Assert.Equal(TcpState.LastAck, h.Tcb.State);
        return h;
    }

    /// <summary>FIN-WAIT-1, then the peer's FIN crossed ours (it does not ACK our FIN).</summary>
    public static TcbHarness Closing(TcpConfig? config = null)
    {
        var h = FinWait1(config);
        h.Send(In with { Control = TcpControl.Fin });
        h.ExpectIgnoringWindow(Out with { SeqNumber = LocalIsn + 2, AckNumber = RemoteIsn + 2 });
        Assert.Equal(TcpState.Closing, h.Tcb.State);
        return h;
    }

    public static TcbHarness TimeWait(TcpConfig? config = null)
    {
        var h = FinWait2(config);
        h.Send(In with { Control = TcpControl.Fin, AckNumber = LocalIsn + 2 });
        h.ExpectIgnoringWindow(Out with { SeqNumber = LocalIsn + 2, AckNumber = RemoteIsn + 2 });
        Assert.Equal(TcpState.TimeWait, h.Tcb.State);
        return h;
    }

    public static byte[] Bytes(int count, int seed = 1)
    {
        var b = new byte[count];
        for (int i = 0; i < count; i++)
            b[i] = (byte)(i * 31 + seed);
        return b;
    }
}
