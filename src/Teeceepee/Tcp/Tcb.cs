using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// One connection's transmission control block: the RFC 9293 state machine, sans-I/O.
/// Segments go in through <see cref="Process"/>, come out of <see cref="TryDispatch"/>, and
/// <see cref="PollAt"/> says when to call again; the application side is <see cref="Send"/>,
/// <see cref="Receive"/>, <see cref="Shutdown"/>, <see cref="Close"/> and <see cref="Abort"/>.
/// </summary>
/// <remarks>Not thread-safe: one event loop owns it (DESIGN §1).</remarks>
public sealed partial class Tcb
{
    private readonly TcpConfig _config;
    private ICongestionController _congestion;
    private readonly RttEstimator _rtt;

    // Each concern owns its fields: the send side with its retransmission queue, the receive side with reassembly, loss
    // recovery (SACK, RFC 6675, PRR, RACK-TLP), the timers; mutable structs held in place, never readonly or copied.
    private SendSequenceSpace _snd;
    private ReceiveSequenceSpace _rcv;
    private LossRecovery _loss = new();
    private TcbTimers _timers = new();

    // Negotiated options.
    private bool _windowScaling;
    private bool _timestamps;
    private bool _sack;
    private uint _tsRecent;
    private bool _tsRecentValid;
    private uint _tsOffset;

    // Close handshake.
    private bool _finQueued;          // the application shut down sending
    private bool _finAcked;
    private bool _receiveClosed;      // the application closed (no more reads)
    private bool _passiveOpen;

    // Pending output.
    private bool _ackNow;
    private int _bytesSinceAck;
    private int _fullSegmentsSinceAck;
    private bool _rstPending;
    private SeqNumber _rstSeq;
    private SeqNumber? _rstAck;
    private ushort _rstPort;

    // RFC 5961 §7 challenge ACK rate limit.
    private long _challengeSecond = -1;
    private int _challengeCount;

    // Rate limit for ACKs answering unacceptable segments without data (Linux tcp_invalid_ratelimit).
    private Instant _lastInvalidAckAt;
    private bool _invalidAckSent;
    private long _invalidAcksSuppressed;

    // Statistics.
    private long _bytesSent;
    private long _bytesAcked;
    private long _bytesReceived;
    private long _segmentsSent;
    private long _segmentsReceived;
    private long _segmentsDropped;
    private long _retransmits;
    private long _timeouts;
    private long _fastRetransmits;
    private long _challengeAcks;
    private long _deliveryRate;                     // the latest delivery-rate sample (tcpi_delivery_rate)
    private TimeSpan _minRtt = TimeSpan.MaxValue;   // tcpi_min_rtt

    internal ITcbScheduler? Scheduler { get; set; }

    /// <summary>The host's drop counters by <see cref="TcpDropReason"/>; null counts per connection only.</summary>
    internal long[]? DropCounters { get; set; }

    // Bookkeeping owned by TcpHost.
    internal TcpListenerQueue? Listener { get; set; }
    internal bool InSynQueue { get; set; }
    internal bool InReadyQueue { get; set; }
    internal long TimerAt { get; set; } = long.MaxValue;
    internal bool Registered { get; set; }
    internal SeqNumber ReceiveNext => _rcv.Nxt;

    /// <summary>In-order octets a waiting receive took straight from arriving segments (never in the ring).</summary>
    internal long BytesReceivedDirect { get; private set; }

    /// <summary>True while the receive ring's storage is rented (issue 13 item 2: none while idle).</summary>
    internal bool HasReceiveStorage => _rcv.Buffer is { HasStorage: true };

    /// <summary>True while the send ring's storage is rented (issue 13 item 2: none once everything is acknowledged).</summary>
    internal bool HasSendStorage => _snd.Buffer is { HasStorage: true };
    internal bool HasPendingReset => _rstPending;

    /// <summary>RFC 5927 §4.1: an ICMP error must quote a sequence number we have sent and not yet seen acknowledged.</summary>
    internal bool IsQuotedSequenceValid(SeqNumber seq) => seq >= _snd.Una && seq < _snd.Max;

    /// <summary>How much longer the IPv6 header is than IPv4's: the MSS difference between the families.</summary>
    private const int IPv6HeaderExtra = 20;

    private readonly int _maxSegmentSize;

    /// <summary>Creates a closed TCB for one 4-tuple.</summary>
    public Tcb(TcpConfig config, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        _config = config;
        LocalAddress = localAddress;
        LocalPort = localPort;
        RemoteAddress = remoteAddress;
        RemotePort = remotePort;
        _rtt = new RttEstimator(config.InitialRto, config.MinRto, config.MaxRto);
        // The configured MSS counts IPv4's 20-octet header; IPv6's is 40 (RFC 8200 §8.3: MSS = MTU - 60).
        _maxSegmentSize = remoteAddress.IsIPv6 ? Math.Max(config.MaxSegmentSize - IPv6HeaderExtra, 16) : config.MaxSegmentSize;
        _snd.Mss = Math.Min(config.DefaultPeerMaxSegmentSize, _maxSegmentSize);
        _rcv.Mss = Math.Min(_maxSegmentSize, 536);
        _congestion = CreateCongestionController(_snd.Mss);
    }

    /// <summary>The settings this connection was created with.</summary>
    public TcpConfig Config => _config;

    /// <summary>Local address.</summary>
    public NetAddress LocalAddress { get; }

    /// <summary>Local port.</summary>
    public ushort LocalPort { get; }

    /// <summary>Remote address.</summary>
    public NetAddress RemoteAddress { get; private set; }

    /// <summary>Remote port.</summary>
    public ushort RemotePort { get; private set; }

    /// <summary>The RFC 9293 state.</summary>
    public TcpState State { get; private set; }

    /// <summary>Why the connection failed, or <see cref="TcpError.None"/>.</summary>
    public TcpError Error { get; private set; }

    /// <summary>The last ICMP error seen on an open connection (RFC 1122 §4.2.3.9: soft errors do not abort).</summary>
    public TcpIcmpError? LastSoftError { get; private set; }

    /// <summary>True when the connection began with a passive open (a listener's SYN).</summary>
    public bool IsPassive => _passiveOpen;

    /// <summary>Readiness callbacks for the layer above; null for none.</summary>
    public ITcbObserver? Observer { get; set; }

    /// <summary>A receive that can take in-order text straight from arriving segments (bypassing the ring); null for none.</summary>
    public ITcbReceiver? Receiver { get; set; }

    /// <summary>Trace sink for state changes and retransmits; null (the default) traces nothing.</summary>
    public ITcpTraceSink? Trace { get; set; }

    /// <summary>True when <see cref="Receive"/> would return data.</summary>
    public bool CanReceive => _rcv.Buffer is { Count: > 0 };

    /// <summary>True when no more data will ever arrive and the buffer is drained (FIN received, reset or closed).</summary>
    public bool IsReceiveFinished =>
        (_rcv.FinReceived || State is TcpState.Closed) && _rcv.Buffer is not { Count: > 0 };

    /// <summary>True when the application may still queue data (open, not shut down).</summary>
    public bool IsSendOpen => !_finQueued && State is TcpState.SynSent or TcpState.SynReceived or TcpState.Established or TcpState.CloseWait;

    /// <summary>True when <see cref="Send"/> would accept at least one byte.</summary>
    public bool CanSend => IsSendOpen && _snd.Buffer is { Free: > 0 };

    /// <summary>Bytes queued but not yet acknowledged.</summary>
    public int SendQueueLength => _snd.Buffer?.Count ?? 0;

    /// <summary>True once our FIN has been acknowledged.</summary>
    public bool IsSendFinished => _finAcked;

    /// <summary>True for the states after the handshake in which segments carry data (RFC 9293 §3.3.2).</summary>
    public bool IsSynchronized => State >= TcpState.SynReceived;

    /// <summary>Effective send MSS: payload octets per segment after options.</summary>
    public int SendMss => _snd.Mss;

    /// <summary>A snapshot of counters and windows, like <c>ss -ti</c>.</summary>
    public TcpInfo GetInfo() => new()
    {
        State = State,
        Error = Error,
        Mss = _snd.Mss,
        CongestionWindow = _congestion.Window,
        SlowStartThreshold = _congestion.SlowStartThreshold,
        CongestionAlgorithm = _congestion.Name,
        CongestionPhase = _congestion.Phase,
        PacingRate = CurrentPacingRate,
        DeliveryRate = _deliveryRate,
        BottleneckBandwidth = _congestion.BandwidthEstimate,
        ModelMinRtt = _congestion.MinRttEstimate,
        MinRtt = _minRtt == TimeSpan.MaxValue ? null : _minRtt,
        SmoothedRtt = _rtt.SmoothedRtt,
        RttVariance = _rtt.RttVariance,
        Rto = _rtt.Rto,
        Retransmits = _retransmits,
        Timeouts = _timeouts,
        FastRetransmits = _fastRetransmits,
        LostRetransmits = _loss.LostRetransmits,
        DsacksReceived = _loss.DsacksReceived,
        SpuriousRecoveries = _loss.SpuriousRecoveries,
        RackLostSegments = RackLostSegments,
        TailLossProbes = _loss.LossProbes,
        TailLossProbeRecoveries = _loss.TlpRecoveries,
        FrtoSpuriousTimeouts = _loss.FrtoSpurious,
        BytesSent = _bytesSent,
        BytesAcked = _bytesAcked,
        BytesReceived = _bytesReceived,
        SegmentsSent = _segmentsSent,
        SegmentsReceived = _segmentsReceived,
        SegmentsDropped = _segmentsDropped,
        PeerWindow = _snd.Window,
        ReceiveWindow = Math.Max(0, _rcv.AdvertisedEdge - _rcv.Nxt),
        SendQueue = _snd.Buffer?.Count ?? 0,
        ReceiveQueue = _rcv.Buffer?.Count ?? 0,
        BytesInFlight = State >= TcpState.SynSent ? _snd.Nxt - _snd.Una : 0,
        ReceiveWindowScale = _windowScaling ? _rcv.Shift : -1,
        SendWindowScale = _windowScaling ? _snd.Shift : -1,
        Timestamps = _timestamps,
        Sack = _sack,
        Ecn = _ecn,
        EcnCeReceived = _ecnCeReceived,
        EcnEchoesReceived = _ecnEchoesReceived,
        EcnReductions = _ecnReductions,
        PathMtu = CurrentPathMtu,
        BlackHolesDetected = _blackHolesDetected,
        MtuProbes = _mtuProbes,
        MtuProbesFailed = _mtuProbesFailed,
    };

    /// <summary>Segments retransmitted so far (timeouts, fast and SACK retransmits); cheap, unlike <see cref="GetInfo"/>.</summary>
    internal long RetransmitCount => _retransmits;

    /// <summary>Challenge ACKs sent (RFC 5961).</summary>
    public long ChallengeAcks => _challengeAcks;

    /// <summary>Unacceptable segments without data left unanswered by the rate limit (<see cref="TcpConfig.InvalidAckInterval"/>).</summary>
    public long InvalidAcksSuppressed => _invalidAcksSuppressed;

    // ---- Application side ----------------------------------------------------------------

    /// <summary>Queues data; returns the bytes accepted (0 when the buffer is full or sending is shut down: see <see cref="IsSendOpen"/>).</summary>
    public int Send(ReadOnlySpan<byte> data)
    {
        if (!IsSendOpen || _snd.Buffer is null || data.IsEmpty)
            return 0;
        int n = _snd.Buffer.Write(data);
        if (n > 0)
            RequestPoll();
        return n;
    }

    /// <summary>Reads in-order data; returns 0 when none is ready (see <see cref="IsReceiveFinished"/> for end of stream).</summary>
    public int Receive(Span<byte> destination)
    {
        if (_rcv.Buffer is null || destination.IsEmpty)
            return 0;
        int n = _rcv.Buffer.Read(destination);
        if (n == 0)
            return 0;
        if (State is TcpState.Closed or TcpState.TimeWait)
        {
            if (_rcv.Buffer.Count == 0)
                ReleaseReceiveBuffer();
            return n;
        }
        // RFC 9293 §3.8.6.2.2 / RFC 1122 §4.2.3.3: announce the opened window once it grew enough.
        if (State is not (TcpState.SynSent or TcpState.SynReceived) && !_rcv.FinReceived && WindowUpdateWorthSending())
        {
            _ackNow = true;
            RequestPoll();
        }
        return n;
    }

    /// <summary>Copies in-order data without consuming it.</summary>
    public int Peek(Span<byte> destination) => _rcv.Buffer?.Peek(destination) ?? 0;

    /// <summary>Half-close (RFC 9293 §3.10.4): send a FIN after the queued data; receiving continues.</summary>
    public void Shutdown()
    {
        if (_finQueued)
            return;
        switch (State)
        {
            case TcpState.SynSent:
            case TcpState.SynReceived:
                // §3.10.4: queue the FIN until ESTABLISHED.
                _finQueued = true;
                break;
            case TcpState.Established:
                _finQueued = true;
                SetState(TcpState.FinWait1);
                RequestPoll();
                break;
            case TcpState.CloseWait:
                _finQueued = true;
                SetState(TcpState.LastAck);
                RequestPoll();
                break;
        }
    }

    /// <summary>
    /// Full close (RFC 9293 §3.10.4): shut down sending and stop reading. Unread received data turns the
    /// close into a reset (RFC 2525 §2.17, as Linux does), so the peer learns its data was lost.
    /// </summary>
    public void Close()
    {
        if (State is TcpState.SynSent)
        {
            ClearAll();
            SetState(TcpState.Closed);
            RequestPoll();
            return;
        }
        if (_rcv.Buffer is { Count: > 0 } && State is not (TcpState.Closed or TcpState.TimeWait))
        {
            Abort();
            return;
        }
        _receiveClosed = true;
        Shutdown();
        if (State == TcpState.FinWait2)
            ArmFinWait2Timeout(_timers.LastReceivedAt);
        if (State is TcpState.Closed or TcpState.TimeWait)
            ReleaseReceiveBuffer();
        RequestPoll(); // new deadlines (orphaned FIN-WAIT-2) must reach the owner's timer heap
    }

    /// <summary>Abort (RFC 9293 §3.10.5): send RST (SEQ = the highest sequence sent) in a synchronized state, drop everything, CLOSED.</summary>
    public void Abort()
    {
        if (State is TcpState.SynReceived or TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait)
            QueueReset(_snd.Max, _rcv.Nxt, RemotePort);
        _receiveClosed = true;
        ClearAll();
        ReleaseReceiveBuffer();
        SetState(TcpState.Closed);
        RequestPoll();
    }

    /// <summary>An ICMP error quoting this connection arrived (RFC 1122 §4.2.3.9, RFC 5927).</summary>
    public void OnIcmpError(Instant now, TcpIcmpError kind, int nextHopMtu = 0)
    {
        _ = now;
        if (kind == TcpIcmpError.FragmentationNeeded)
        {
            // RFC 1191: shrink the MSS to the next-hop MTU and resend what was in flight.
            // RFC 8201 §5.2 for IPv6: the same, behind a 40-octet header, never under the 1280-octet minimum MTU.
            bool v6 = RemoteAddress.IsIPv6;
            int mss = nextHopMtu - (v6 ? 60 : 40) - (_timestamps ? 12 : 0);
            if (nextHopMtu >= (v6 ? 1280 : 68) && mss >= 16 && mss < _snd.Mss)
            {
                _snd.Mss = mss;
                _congestion.SetMss(mss);
                if (IsSynchronized && _snd.Una != _snd.Iss)
                    _snd.Nxt = _snd.Una;
                RequestPoll();
            }
            return;
        }
        // Hard errors abort only while connecting (as Linux does); afterwards they are soft (RFC 1122).
        if (State is TcpState.SynSent or TcpState.SynReceived && !_passiveOpen)
        {
            Fail(kind switch
            {
                TcpIcmpError.NetworkUnreachable => TcpError.NetworkUnreachable,
                TcpIcmpError.PortUnreachable or TcpIcmpError.ProtocolUnreachable => TcpError.ConnectionRefused,
                TcpIcmpError.ParameterProblem => TcpError.ProtocolError, // Linux icmp(v6)_err_convert: EPROTO, fatal
                _ => TcpError.HostUnreachable,
            });
            return;
        }
        LastSoftError = kind;
    }

    /// <summary>
    /// What giving up reports: the last soft ICMP error when one explains the silence (RFC 1122 §4.2.3.9 says
    /// to tell the application; Linux reports sk_err_soft), else <see cref="TcpError.TimedOut"/>.
    /// </summary>
    private TcpError TimeoutError => LastSoftError switch
    {
        TcpIcmpError.HostUnreachable => TcpError.HostUnreachable,
        TcpIcmpError.NetworkUnreachable => TcpError.NetworkUnreachable,
        TcpIcmpError.ParameterProblem => TcpError.ProtocolError,
        _ => TcpError.TimedOut,
    };

    // ---- Shared helpers ------------------------------------------------------------------

    /// <summary>Every state change goes through here: trace Old=>New, release buffers, tell the owner and observer.</summary>
    private void SetState(TcpState next)
    {
        var old = State;
        if (old == next)
            return;
        State = next;
        Trace?.Trace(this, $"{old}=>{next}");
        switch (next)
        {
            case TcpState.TimeWait:
                // RFC 9293 §3.6.1: TIME-WAIT keeps only sequence state; unread data stays until read.
                ClearTimersForClose();
                _snd.Release();
                if (_rcv.Buffer is { Count: 0 } || _receiveClosed)
                    ReleaseReceiveBuffer();
                break;
            case TcpState.Closed:
                ClearTimersForClose();
                _snd.Release();
                if (_rcv.Buffer is { Count: 0 } || _receiveClosed || Error != TcpError.None)
                    ReleaseReceiveBuffer();
                break;
        }
        Scheduler?.OnStateChanged(this, old, next);
        Observer?.OnStateChanged(this, old, next);
    }

    private void ReleaseReceiveBuffer() => _rcv.Release();

    private void Fail(TcpError error)
    {
        Error = error;
        Trace?.Trace(this, $"error {error}");
        ClearAll();
        SetState(TcpState.Closed);
        Observer?.OnError(this, error);
        RequestPoll();
    }

    private void ClearAll()
    {
        _ackNow = false;
        _dupAcksToSend = 0;
        _loss.FastRetransmitPending = false;
        _forceOne = false;
        ExitSackRecovery(forgetRetransmissions: true);
        ClearTimersForClose();
    }

    private void RequestPoll() => Scheduler?.Schedule(this);

    private void QueueReset(SeqNumber seq, SeqNumber? ack, ushort remotePort)
    {
        _rstPending = true;
        _rstSeq = seq;
        _rstAck = ack;
        _rstPort = remotePort;
    }

    private void SendChallengeAck(Instant now)
    {
        // RFC 5961 §7: limit challenge ACKs so they cannot be used to amplify or probe.
        long second = now.Ticks / TimeSpan.TicksPerSecond;
        if (second != _challengeSecond)
        {
            _challengeSecond = second;
            _challengeCount = 0;
        }
        if (_challengeCount >= _config.ChallengeAckLimit)
            return;
        _challengeCount++;
        _challengeAcks++;
        _ackNow = true;
    }

    /// <summary>
    /// RFC 9293 §3.10.7.4 answers an unacceptable segment with an ACK. Two stacks that disagree about the
    /// window would ping-pong such ACKs forever (an ACK loop), and a blind attacker could use them to probe, so
    /// for segments without data (pure ACKs, SYNs) at most one answer per <see cref="TcpConfig.InvalidAckInterval"/>
    /// (RFC 5961 §7's throttling, Linux tcp_oow_rate_limited). Data is always answered: its sender needs the ACK
    /// to stop retransmitting.
    /// </summary>
    private void AnswerUnacceptable(Instant now, in TcpRepr segment, int payloadLength)
    {
        bool carriesData = payloadLength > 0 || segment.Control == TcpControl.Fin;
        if (payloadLength > 0 && segment.SeqNumber + payloadLength <= _rcv.Nxt)
            NoteDuplicate(segment.SeqNumber, payloadLength); // RFC 2883 §4.1.1: a whole duplicate below RCV.NXT
        if (!carriesData && _config.InvalidAckInterval > TimeSpan.Zero)
        {
            if (_invalidAckSent && now - _lastInvalidAckAt < _config.InvalidAckInterval)
            {
                _invalidAcksSuppressed++;
                return;
            }
            _invalidAckSent = true;
            _lastInvalidAckAt = now;
        }
        _ackNow = true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{LocalAddress}:{LocalPort}->{RemoteAddress}:{RemotePort} {State}";
}
