using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// All TCP state of one stack, sans-I/O: connections by 4-tuple (O(1) demux), listeners with SYN and
/// accept queues, RSTs for closed ports, ISNs (RFC 6528), ephemeral ports (RFC 6056), SYN cookies
/// (RFC 4987), and the scheduling of thousands of TCBs: a ready queue of TCBs with something to send
/// and a timer heap of deadlines, so a poll touches only connections that have work.
/// </summary>
/// <remarks>Not thread-safe: one event loop owns it (DESIGN §1).</remarks>
public sealed partial class TcpHost : ITcbScheduler
{
    private const int MaxControlSegments = 1024;
    private const int TcpStates = (int)TcpState.TimeWait + 1;

    private readonly Dictionary<TcpFourTuple, Tcb> _connections = [];
    private readonly Dictionary<TcpEndpoint, TcpListenerQueue> _listeners = [];
    private readonly Queue<Tcb> _ready = new();
    private readonly PriorityQueue<Tcb, long> _timers = new();
    private readonly Queue<TcpOutgoing> _control = new();
    private readonly IsnGenerator _isn;
    private readonly EphemeralPortAllocator _ports;
    private readonly SynCookies _cookies;
    private readonly SynRateLimiter _synLimiter;
    private readonly Func<ushort, bool> _isPortInUse;
    private readonly long[] _stateCounts = new long[TcpStates];
    private TcpFourTuple _portQuery;
    private int _segmentationOffloadLimit;
    private Instant _now;
    private long _retransmissions;
    private long _resetSegmentsSent;
    private long _resetSegmentsReceived;

    /// <summary>Creates a host; the secrets default to random keys.</summary>
    public TcpHost(TcpConfig? defaultConfig = null, IsnGenerator? isn = null, EphemeralPortAllocator? ports = null, SynCookies? cookies = null)
    {
        DefaultConfig = defaultConfig ?? TcpConfig.Default;
        DefaultConfig.Validate();
        _isn = isn ?? IsnGenerator.CreateRandom();
        _ports = ports ?? EphemeralPortAllocator.CreateRandom();
        _cookies = cookies ?? SynCookies.CreateRandom();
        _isPortInUse = IsPortInUse;
        _timeWait = new TimeWaitTable(DefaultConfig.MaxTimeWaitRecords);
        _synLimiter = new SynRateLimiter(DefaultConfig.SynRateLimit,
            DefaultConfig.SynRateBurst > 0 ? DefaultConfig.SynRateBurst : Math.Max(1, DefaultConfig.SynRateLimit / 10));
    }

    /// <summary>Settings used when a call passes none.</summary>
    public TcpConfig DefaultConfig { get; }

    /// <summary>Connections in every state but LISTEN and CLOSED: TCBs in the demux table plus TIME-WAIT records.</summary>
    public int ConnectionCount => _connections.Count + _timeWait.Count;

    /// <summary>Listening endpoints.</summary>
    public int ListenerCount => _listeners.Count;

    /// <summary>RSTs sent for segments to closed ports (RFC 9293 §3.10.7.1).</summary>
    public long ResetsSent { get; private set; }

    /// <summary>Segments that matched no connection or listener.</summary>
    public long SegmentsToClosedPorts { get; private set; }

    /// <summary>Segments dropped at the host (bad cookie, closed port RST, full control queue...).</summary>
    public long SegmentsDropped { get; private set; }

    /// <summary>TCP drops by reason, the host's and every connection's (a snapshot).</summary>
    public TcpDropCounts Drops => new((long[])DropCounters.Clone());

    /// <summary>The live drop counters, indexed by <see cref="TcpDropReason"/>; the stack hands in its own array so its stats and meter read them.</summary>
    internal long[] DropCounters { get; set; } = new long[TcpDropCounts.Size];

    /// <summary>
    /// Largest payload of one data segment when the link does segmentation offload (TSO), handed to every TCB as it is
    /// registered (<see cref="Tcb.SegmentationOffloadLimit"/>); 0, the default, sends MSS-sized segments only.
    /// Set it before connections open.
    /// </summary>
    public int SegmentationOffloadLimit
    {
        get => _segmentationOffloadLimit;
        set => _segmentationOffloadLimit = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>As <see cref="SegmentationOffloadLimit"/> for IPv6 connections (the link must cut IPv6 super-segments, TSO6); 0 by default.</summary>
    public int SegmentationOffloadLimitIPv6 { get; set; }

    /// <summary>Optional trace sink handed to every new TCB.</summary>
    public ITcpTraceSink? Trace { get; set; }

    /// <summary>Segments retransmitted by every connection (timeouts, fast and SACK retransmits), closed ones included.</summary>
    public long Retransmissions => _retransmissions;

    /// <summary>RST segments sent, by connections and for closed ports.</summary>
    public long ResetSegmentsSent => _resetSegmentsSent;

    /// <summary>RST segments received (acceptable or not).</summary>
    public long ResetSegmentsReceived => _resetSegmentsReceived;

    /// <summary>
    /// Connections in the demux table in <paramref name="state"/> now. Kept as states change, so metrics may read it
    /// from any thread (a 64-bit read is atomic; the value may be a moment old); a CLOSED connection counts until it is swept.
    /// </summary>
    public long CountInState(TcpState state) =>
        (uint)state >= TcpStates ? 0 : _stateCounts[(int)state] + (state == TcpState.TimeWait ? _timeWait.Count : 0);

    /// <summary>Called on the loop with each round-trip sample a connection takes (metrics, probes); null for none.</summary>
    public Action<Tcb, Instant, TimeSpan>? RttSampled { get; set; }

    /// <summary>Called on the loop when a registered connection changes state (explained traces); null for none.</summary>
    public Action<Tcb, TcpState, TcpState>? StateChanged { get; set; }

    /// <summary>Called on the loop after a connection processed a segment (probes of cwnd and ssthresh); null for none.</summary>
    public Action<Tcb, Instant>? SegmentProcessed { get; set; }

    // ---- Traffic in -------------------------------------------------------------------------

    /// <summary>Processes one segment addressed to this host (RFC 9293 §3.10.7): demux, listeners, or RST for a closed port.</summary>
    public void Process(Instant now, NetAddress source, NetAddress destination, in TcpRepr segment, ReadOnlySpan<byte> payload)
    {
        var key = new TcpFourTuple(destination, segment.DestinationPort, source, segment.SourcePort);
        _now = now;
        if (segment.Control == TcpControl.Rst)
            _resetSegmentsReceived++;
        if (_connections.TryGetValue(key, out var tcb))
        {
            // RFC 9293 §3.10.7.4 / RFC 6191: a new SYN above the old RCV.NXT may reopen a TIME-WAIT 4-tuple.
            if (tcb.State == TcpState.TimeWait && segment.Control == TcpControl.Syn && segment.AckNumber is null
                && segment.SeqNumber > tcb.ReceiveNext && FindListener(destination, segment.DestinationPort) is not null)
            {
                Unregister(tcb);
            }
            else if (tcb.State == TcpState.Closed && !tcb.HasPendingReset)
            {
                // Closed but not swept yet: the 4-tuple is free, so §3.10.7.1 (or a listener) applies.
                Unregister(tcb);
            }
            else
            {
                tcb.Process(now, segment, payload);
                SegmentProcessed?.Invoke(tcb, now);
                MakeReady(tcb);
                return;
            }
        }
        else if (_timeWait.Count > 0 && _timeWait.Find(key) is >= 0 and var slot
            && ProcessTimeWait(now, slot, destination, segment, payload.Length))
        {
            return;
        }

        var listener = FindListener(destination, segment.DestinationPort);
        if (listener is not null)
        {
            ProcessForListener(now, listener, source, destination, segment, payload);
            return;
        }

        SegmentsToClosedPorts++;
        QueueResetForClosedPort(source, destination, segment, payload.Length);
    }

    private void QueueResetForClosedPort(NetAddress source, NetAddress destination, in TcpRepr segment, int payloadLength)
    {
        // §3.10.7.1: never answer a RST; with ACK: <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
        if (segment.Control == TcpControl.Rst)
        {
            Drop(TcpDropReason.ResetToClosedPort);
            return;
        }
        var rst = segment.AckNumber is { } ack
            ? new TcpRepr { SourcePort = segment.DestinationPort, DestinationPort = segment.SourcePort, Control = TcpControl.Rst, SeqNumber = ack }
            : new TcpRepr
            {
                SourcePort = segment.DestinationPort,
                DestinationPort = segment.SourcePort,
                Control = TcpControl.Rst,
                SeqNumber = new SeqNumber(0),
                AckNumber = segment.SeqNumber + (payloadLength + (segment.Control is TcpControl.Syn or TcpControl.Fin ? 1 : 0)),
            };
        if (QueueControl(destination, source, rst))
            ResetsSent++;
    }

    private void Drop(TcpDropReason reason)
    {
        SegmentsDropped++;
        DropCounters[(byte)reason]++;
        Trace?.TraceHost($"drop: {reason}");
    }

    private bool QueueControl(NetAddress local, NetAddress remote, in TcpRepr segment)
    {
        if (_control.Count >= MaxControlSegments)
        {
            Drop(TcpDropReason.ControlQueueFull);
            return false;
        }
        _control.Enqueue(new TcpOutgoing(local, remote, segment));
        return true;
    }

    // ---- Traffic out ------------------------------------------------------------------------

    /// <summary>The next segment to send, payload copied into <paramref name="payloadBuffer"/> (at least one MSS long). Call until false.</summary>
    public bool TryDispatch(Instant now, Span<byte> payloadBuffer, out TcpOutgoing segment)
    {
        if (_control.TryDequeue(out segment))
        {
            if (segment.Segment.Control == TcpControl.Rst)
                _resetSegmentsSent++;
            return true;
        }

        if (_timeWait.Count > 0)
            ExpireTimeWait(now);

        // Expired deadlines join the ready queue.
        while (_timers.TryPeek(out var due, out long at) && at <= now.Ticks)
        {
            _timers.Dequeue();
            if (due.TimerAt != at)
            {
                OnStaleTimerPopped();
                continue; // stale entry: the TCB was rescheduled or released
            }
            due.TimerAt = long.MaxValue;
            MakeReady(due);
        }

        while (_ready.TryPeek(out var tcb))
        {
            long retransmitted = tcb.RetransmitCount;
            if (tcb.Registered && tcb.TryDispatch(now, payloadBuffer, out var repr, out int segmentSize))
            {
                segment = new TcpOutgoing(tcb.LocalAddress, tcb.RemoteAddress, repr) { SegmentSize = segmentSize };
                if (tcb.TakePayloadInPlace(out var payload, out var payload2))
                    segment = segment with { Payload = payload, Payload2 = payload2 };
                _retransmissions += tcb.RetransmitCount - retransmitted;
                if (repr.Control == TcpControl.Rst)
                    _resetSegmentsSent++;
                return true;
            }
            _ready.Dequeue();
            tcb.InReadyQueue = false;
            Settle(now, tcb);
        }
        segment = default;
        return false;
    }

    /// <summary>The earliest instant <see cref="TryDispatch"/> has work (<see cref="Instant.Zero"/>: now; <see cref="Instant.MaxValue"/>: never).</summary>
    public Instant PollAt()
    {
        if (_control.Count > 0 || _ready.Count > 0)
            return Instant.Zero;
        var timeWait = _timeWait.NextDeadline;
        while (_timers.TryPeek(out var tcb, out long at))
        {
            if (tcb.TimerAt == at)
                return Instant.Min(new Instant(at), timeWait);
            _timers.Dequeue();
            OnStaleTimerPopped();
        }
        return timeWait;
    }

    private void Settle(Instant now, Tcb tcb)
    {
        if (!tcb.Registered)
            return;
        if (tcb.State == TcpState.Closed && !tcb.HasPendingReset)
        {
            Unregister(tcb);
            return;
        }
        if (tcb.State == TcpState.TimeWait)
        {
            EnterTimeWait(now, tcb); // its last ACK is out: a record takes over
            return;
        }
        var at = tcb.PollAt();
        if (at == Instant.MaxValue)
            return;
        long ticks = Math.Max(at.Ticks, now.Ticks + 1); // something due now but unsendable waits a tick, never spins
        // An earlier entry already in the heap will pop and re-evaluate; only an earlier deadline needs a push.
        if (ticks < tcb.TimerAt)
        {
            bool replaced = tcb.TimerAt != long.MaxValue;
            tcb.TimerAt = ticks;
            if (replaced)
                OnTimerStale(); // the older entry stays behind (a purge here keeps only the new deadline, enqueued next)
            _timers.Enqueue(tcb, ticks);
        }
    }

    private void MakeReady(Tcb tcb)
    {
        if (tcb.InReadyQueue || !tcb.Registered)
            return;
        tcb.InReadyQueue = true;
        _ready.Enqueue(tcb);
    }

    // ---- Application side -------------------------------------------------------------------

    /// <summary>Active open to <paramref name="remote"/> from <paramref name="localAddress"/> (port 0: an RFC 6056 ephemeral port).</summary>
    /// <exception cref="TcpException">AddressAlreadyInUse or AddressNotAvailable.</exception>
    public Tcb Connect(Instant now, NetAddress localAddress, TcpEndpoint remote, TcpConfig? config = null, ushort localPort = 0)
    {
        config ??= DefaultConfig;
        if (localPort == 0)
        {
            _portQuery = new TcpFourTuple(localAddress, 0, remote.Address, remote.Port);
            if (!_ports.TryAllocate(localAddress, remote.Address, remote.Port, _isPortInUse, out localPort))
                throw new TcpException(TcpError.AddressNotAvailable, $"No ephemeral port is free for {remote}.");
        }
        else if (_timeWait.Find(new TcpFourTuple(localAddress, localPort, remote.Address, remote.Port)) >= 0)
        {
            throw new TcpException(TcpError.AddressAlreadyInUse, $"{localAddress}:{localPort} -> {remote} is in TIME-WAIT.");
        }
        else if (_connections.TryGetValue(new TcpFourTuple(localAddress, localPort, remote.Address, remote.Port), out var existing))
        {
            // A connection that just closed may not be swept yet; anything else holds the 4-tuple.
            if (existing.State != TcpState.Closed || existing.HasPendingReset)
                throw new TcpException(TcpError.AddressAlreadyInUse, $"{localAddress}:{localPort} -> {remote} is already in use.");
            Unregister(existing);
        }
        if (_connections.TryGetValue(new TcpFourTuple(localAddress, localPort, remote.Address, remote.Port), out var stale))
            Unregister(stale); // a CLOSED leftover the allocator chose to reuse
        var tcb = new Tcb(config, localAddress, localPort, remote.Address, remote.Port) { Trace = Trace };
        Register(tcb);
        PrepareFastOpen(now, tcb);
        tcb.Connect(now, _isn.Next(now, localAddress, localPort, remote.Address, remote.Port));
        MakeReady(tcb);
        return tcb;
    }

    /// <summary>
    /// Passive open on <paramref name="local"/> (address 0.0.0.0 listens on all IPv4 addresses, :: on all addresses of both families; port 0 picks a free
    /// ephemeral port, which the returned queue's <see cref="TcpListenerQueue.LocalEndpoint"/> tells).
    /// </summary>
    /// <exception cref="TcpException">AddressAlreadyInUse when the endpoint already listens; AddressNotAvailable when no port is free.</exception>
    public TcpListenerQueue Listen(TcpEndpoint local, int backlog = 0, TcpConfig? config = null)
    {
        config ??= DefaultConfig;
        config.Validate();
        if (local.Port == 0)
        {
            // As bind(port 0): an ephemeral port no listener and no connection uses locally (RFC 6056 range).
            if (!_ports.TryAllocate(local.Address, NetAddress.IPv4Any, 0, this, static (host, port) => host.IsLocalPortTaken(port), out ushort port))
                throw new TcpException(TcpError.AddressNotAvailable, "No ephemeral port is free to listen on.");
            local = local with { Port = port };
        }
        if (_listeners.ContainsKey(local) || _listeners.ContainsKey(local with { Address = local.Address.IsIPv4 ? NetAddress.IPv4Any : NetAddress.IPv6Any })
            || _listeners.ContainsKey(local with { Address = NetAddress.IPv6Any })
            || (local.Address.IsUnspecified && HasListenerOnPort(local.Port)))
        {
            throw new TcpException(TcpError.AddressAlreadyInUse, $"{local} is already listening.");
        }
        var listener = new TcpListenerQueue(this, local, backlog > 0 ? backlog : config.Backlog, config);
        _listeners.Add(local, listener);
        return listener;
    }

    /// <summary>The connection on a 4-tuple, if any.</summary>
    public Tcb? Find(TcpFourTuple key) => _connections.GetValueOrDefault(key);

    internal void RemoveListener(TcpListenerQueue listener)
    {
        _listeners.Remove(listener.LocalEndpoint);
        // Half-open connections of this listener go too (a rare, O(n) operation).
        List<Tcb>? orphans = null;
        foreach (var tcb in _connections.Values)
        {
            if (tcb.Listener == listener)
                (orphans ??= []).Add(tcb);
        }
        if (orphans is null)
            return;
        foreach (var tcb in orphans)
        {
            tcb.Listener = null;
            tcb.Abort();
        }
    }

    /// <summary>
    /// The listener for a segment to <paramref name="address"/>: one bound to that address, else the wildcard of its family,
    /// else (for both families, like .NET's DualMode) one on the IPv6 wildcard ::. A listener on 0.0.0.0 takes IPv4 only.
    /// </summary>
    private TcpListenerQueue? FindListener(NetAddress address, ushort port)
    {
        if (_listeners.Count == 0)
            return null;
        return _listeners.GetValueOrDefault(new TcpEndpoint(address, port))
            ?? (address.IsIPv4 ? _listeners.GetValueOrDefault(new TcpEndpoint(NetAddress.IPv4Any, port)) : null)
            ?? _listeners.GetValueOrDefault(new TcpEndpoint(NetAddress.IPv6Any, port));
    }

    private bool HasListenerOnPort(ushort port)
    {
        foreach (var key in _listeners.Keys)
        {
            if (key.Port == port)
                return true;
        }
        return false;
    }

    private bool IsLocalPortTaken(ushort port)
    {
        if (HasListenerOnPort(port))
            return true;
        foreach (var key in _connections.Keys)
        {
            if (key.LocalPort == port)
                return true;
        }
        return _timeWait.UsesLocalPort(port);
    }

    private bool IsPortInUse(ushort port) =>
        (_connections.TryGetValue(_portQuery with { LocalPort = port }, out var tcb) && tcb.State != TcpState.Closed)
        || _timeWait.Find(_portQuery with { LocalPort = port }) >= 0
        || FindListener(_portQuery.LocalAddress, port) is not null;

    private void Register(Tcb tcb)
    {
        tcb.Scheduler = this;
        tcb.Registered = true;
        tcb.SegmentationOffloadLimit = tcb.RemoteAddress.IsIPv4 ? _segmentationOffloadLimit : SegmentationOffloadLimitIPv6;
        tcb.PayloadInPlace = GatherSend;
        tcb.DropCounters = DropCounters;
        tcb.PathMtuLimit = PathMtuOf?.Invoke(tcb.RemoteAddress) ?? 0;
        _connections[new TcpFourTuple(tcb.LocalAddress, tcb.LocalPort, tcb.RemoteAddress, tcb.RemotePort)] = tcb;
        _stateCounts[(int)tcb.State]++;
    }

    private void Unregister(Tcb tcb)
    {
        if (!tcb.Registered)
            return;
        tcb.Registered = false;
        tcb.Scheduler = null;
        _stateCounts[(int)tcb.State]--;
        if (tcb.TimerAt != long.MaxValue)
            OnTimerStale();
        tcb.TimerAt = long.MaxValue;
        var key = new TcpFourTuple(tcb.LocalAddress, tcb.LocalPort, tcb.RemoteAddress, tcb.RemotePort);
        if (_connections.TryGetValue(key, out var current) && current == tcb)
            _connections.Remove(key);
        if (tcb.InSynQueue && tcb.Listener is { } listener)
        {
            tcb.InSynQueue = false;
            listener.SynQueueLength--;
        }
    }

    void ITcbScheduler.Schedule(Tcb tcb) => MakeReady(tcb);

    void ITcbScheduler.OnRttSample(Tcb tcb, TimeSpan rtt) => RttSampled?.Invoke(tcb, _now, rtt);

    void ITcbScheduler.OnStateChanged(Tcb tcb, TcpState oldState, TcpState newState)
    {
        if (tcb.Registered)
        {
            _stateCounts[(int)oldState]--;
            _stateCounts[(int)newState]++;
        }
        StateChanged?.Invoke(tcb, oldState, newState);
        if (tcb.FastOpenListener is { } fastOpenListener && newState != TcpState.SynReceived)
        {
            tcb.FastOpenListener = null;
            fastOpenListener.FastOpenPending--;
        }
        if (tcb.Listener is not { } listener)
            return;
        if (tcb.InSynQueue && newState != TcpState.SynReceived)
        {
            tcb.InSynQueue = false;
            listener.SynQueueLength--;
            // A handshake that completed (even straight into CLOSE-WAIT) joins the accept queue.
            if (newState is TcpState.Established or TcpState.CloseWait)
            {
                if (listener.IsClosed)
                    return;
                listener.Enqueue(tcb);
            }
            else
            {
                tcb.Listener = null;
            }
        }
    }
}
