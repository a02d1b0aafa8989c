using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Tcp;

/// <summary>Per-connection TCP settings. The defaults follow Linux where the RFCs leave a choice.</summary>
public sealed record TcpConfig
{
    /// <summary>The defaults.</summary>
    public static TcpConfig Default { get; } = new();

    /// <summary>The MSS we announce (RFC 9293 §3.7.1): MTU 1500 minus 40 bytes of IPv4 and TCP headers.</summary>
    public int MaxSegmentSize { get; init; } = 1460;

    /// <summary>The send MSS assumed when the peer's SYN carries no MSS option (RFC 9293 §3.7.1: 536).</summary>
    public int DefaultPeerMaxSegmentSize { get; init; } = 536;

    /// <summary>Send buffer capacity in bytes.</summary>
    public int SendBufferSize { get; init; } = 256 * 1024;

    /// <summary>Receive buffer capacity in bytes (the most we ever advertise).</summary>
    public int ReceiveBufferSize { get; init; } = 256 * 1024;

    /// <summary>Offer window scaling (RFC 7323 §2); used only when the peer offers it too.</summary>
    public bool WindowScaling { get; init; } = true;

    /// <summary>Offer timestamps (RFC 7323 §3); used only when the peer offers them too.</summary>
    public bool Timestamps { get; init; } = true;

    /// <summary>Offer SACK-permitted (RFC 2018); SACK blocks are sent only when the peer offered it too.</summary>
    public bool Sack { get; init; } = true;

    /// <summary>Disable Nagle's algorithm (RFC 896; TCP_NODELAY).</summary>
    public bool NoDelay { get; init; }

    /// <summary>How long an ACK may wait for a second full segment or outgoing data (RFC 1122 §4.2.3.2: under 500 ms). Zero turns delayed ACKs off.</summary>
    public TimeSpan DelayedAckTimeout { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// The lower bound on the RTO. RFC 6298 §2.4 says 1 s; we use Linux's 200 ms, which modern
    /// networks and every mainstream stack use, so a lost segment on a fast path costs 200 ms, not 1 s.
    /// </summary>
    public TimeSpan MinRto { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The RTO before any RTT sample (RFC 6298 §2.1: 1 s).</summary>
    public TimeSpan InitialRto { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The upper bound on the (backed-off) RTO (RFC 6298 §2.5 allows a cap of at least 60 s; Linux uses 120 s).</summary>
    public TimeSpan MaxRto { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>SYN (and SYN-ACK) retransmissions before giving up with <see cref="TcpError.TimedOut"/> (Linux tcp_syn_retries: 6).</summary>
    public int SynRetries { get; init; } = 6;

    /// <summary>Retransmissions of one segment before giving up (RFC 1122 R2; Linux tcp_retries2: 15).</summary>
    public int MaxRetransmissions { get; init; } = 15;

    /// <summary>Give up when sent data stays unacknowledged this long (RFC 9293 §3.8.3 user timeout; RFC 5482). Null: only <see cref="MaxRetransmissions"/> applies.</summary>
    public TimeSpan? UserTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Send keepalive probes on an idle connection (RFC 1122 §4.2.3.6: off by default).</summary>
    public bool KeepAlive { get; init; }

    /// <summary>Idle time before the first keepalive probe (RFC 1122: no less than 2 hours by default).</summary>
    public TimeSpan KeepAliveIdle { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Time between unanswered keepalive probes (Linux: 75 s).</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>Unanswered probes before the connection times out (Linux: 9).</summary>
    public int KeepAliveCount { get; init; } = 9;

    /// <summary>Maximum segment lifetime; TIME-WAIT lasts 2×MSL (RFC 9293 §3.4.2; Linux: 60 s of TIME-WAIT).</summary>
    public TimeSpan Msl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an orphaned connection (closed by the application) waits in FIN-WAIT-2 (Linux tcp_fin_timeout: 60 s).</summary>
    public TimeSpan FinWait2Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Accept queue bound when the listener gives none (Linux somaxconn: 4096; we use 128).</summary>
    public int Backlog { get; init; } = 128;

    /// <summary>Half-open connections per listener before SYN cookies take over (RFC 4987 §3.6).</summary>
    public int SynBacklog { get; init; } = 256;

    /// <summary>Answer SYNs with SYN cookies when the SYN queue is full (RFC 4987).</summary>
    public bool SynCookies { get; init; } = true;

    /// <summary>
    /// TCP Fast Open (RFC 7413), off by default. On a listener's config: give cookies and accept data in SYNs with a
    /// valid one. On a connection's config: send a cached cookie and the first data in the SYN, or ask for a cookie.
    /// </summary>
    public bool FastOpen { get; init; }

    /// <summary>Connections per listener that may hold SYN data before their handshake completes (RFC 7413 §5.1); past it SYN data is ignored.</summary>
    public int FastOpenMaxPending { get; init; } = 64;

    /// <summary>
    /// Most connections a host keeps in TIME-WAIT (compact records); past it a closing connection skips TIME-WAIT and is
    /// counted (<see cref="TcpHost.TimeWaitSkipped"/>), like Linux's tcp_max_tw_buckets. Read from the host's default config.
    /// </summary>
    public int MaxTimeWaitRecords { get; init; } = 262144;

    /// <summary>
    /// SYNs a second the host lets open connections on its listeners (a token bucket; 0, the default: no limit). Excess
    /// SYNs are dropped and counted (<see cref="TcpDropReason.SynRateLimited"/>) before any work. Read from the host's default config.
    /// </summary>
    public int SynRateLimit { get; init; }

    /// <summary>SYNs the limiter lets through at once after a quiet spell; 0: a tenth of <see cref="SynRateLimit"/> (at least 1).</summary>
    public int SynRateBurst { get; init; }

    /// <summary>Challenge ACKs per connection per second (RFC 5961 §7 asks for a limit).</summary>
    public int ChallengeAckLimit { get; init; } = 100;

    /// <summary>
    /// Least time between two ACKs answering unacceptable segments without data (out of window, PAWS), per
    /// connection (RFC 5961 §7 spirit, Linux tcp_invalid_ratelimit); zero answers every one. Data is always answered.
    /// </summary>
    public TimeSpan InvalidAckInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Initial congestion window in segments (RFC 6928: 10).</summary>
    public int InitialWindowSegments { get; init; } = 10;

    /// <summary>The congestion controller of new connections (Linux tcp_congestion_control): CUBIC by default (RFC 9438).</summary>
    public CongestionAlgorithm CongestionControl { get; init; } = CongestionAlgorithm.Cubic;

    /// <summary>
    /// Pace ACK-clocked controllers (CUBIC, NewReno) at Linux's rate: 2×cwnd/SRTT in slow start (below ssthresh/2), else
    /// 1.2×cwnd/SRTT, as Linux does under the fq qdisc. On by default (issue 11: unpaced bursts overflow shallow bottleneck
    /// queues), once the min RTT is at least 4 ms; gaps under 100 µs are not held, so zero-delay links are not throttled.
    /// BBR paces regardless.
    /// </summary>
    public bool Pacing { get; init; } = true;

    /// <summary>
    /// Receive-window autotuning (Linux tcp_rcv_space_adjust): the window offered starts at 64 KiB and grows each receiver
    /// RTT to twice the data that arrived in order in the last one, up to <see cref="ReceiveBufferSize"/>. On by default.
    /// </summary>
    public bool ReceiveWindowAutoTuning { get; init; } = true;

    /// <summary>ECN (RFC 3168): off, on (ask and accept) or passive (accept when asked, the default, as Linux's tcp_ecn=2).</summary>
    public EcnMode Ecn { get; init; } = EcnMode.Passive;

    /// <summary>
    /// Packetization-layer path MTU discovery (RFC 4821) after a suspected ICMP black hole: full-sized segments that time
    /// out twice drop the MSS to 1280-octet packets, then probes search upward (Linux tcp_mtu_probing=1). On by default.
    /// </summary>
    public bool MtuProbing { get; init; } = true;

    /// <summary>Creates the congestion controller for a new connection; null uses <see cref="CongestionControl"/>.</summary>
    public Func<int, ICongestionController>? CongestionControllerFactory { get; init; }

    /// <summary>The congestion controller for a new connection with SMSS <paramref name="mss"/>.</summary>
    public ICongestionController CreateCongestionController(int mss) =>
        CongestionControllerFactory?.Invoke(mss) ?? CongestionControl switch
        {
            CongestionAlgorithm.NewReno => new NewRenoCongestionController(mss),
            CongestionAlgorithm.Bbr => new BbrCongestionController(mss),
            CongestionAlgorithm.BbrLossTolerant => new BbrCongestionController(mss, lossResponse: BbrLossResponse.LossRateThreshold),
            _ => new CubicCongestionController(mss),
        };

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        if (MaxSegmentSize is < 64 or > 65495)
            throw new ArgumentException("MaxSegmentSize must be 64..65495.", nameof(MaxSegmentSize));
        if (DefaultPeerMaxSegmentSize is < 64 or > 65495)
            throw new ArgumentException("DefaultPeerMaxSegmentSize must be 64..65495.", nameof(DefaultPeerMaxSegmentSize));
        if (SendBufferSize is < 1024 or > (1 << 30))
            throw new ArgumentException("SendBufferSize must be 1 KiB..1 GiB.", nameof(SendBufferSize));
        if (ReceiveBufferSize is < 1024 or > (1 << 30))
            throw new ArgumentException("ReceiveBufferSize must be 1 KiB..1 GiB.", nameof(ReceiveBufferSize));
        if (MinRto <= TimeSpan.Zero || InitialRto < MinRto || MaxRto < InitialRto)
            throw new ArgumentException("Need 0 < MinRto <= InitialRto <= MaxRto.", nameof(MinRto));
        if (SynRetries < 0 || MaxRetransmissions < 1 || KeepAliveCount < 1 || Backlog < 1 || SynBacklog < 1 || ChallengeAckLimit < 1 || InitialWindowSegments < 1 || FastOpenMaxPending < 0)
            throw new ArgumentException("Counts must be positive.");
        if (DelayedAckTimeout < TimeSpan.Zero || DelayedAckTimeout > TimeSpan.FromMilliseconds(500))
            throw new ArgumentException("DelayedAckTimeout must be 0..500 ms (RFC 1122 §4.2.3.2).", nameof(DelayedAckTimeout));
        if (InvalidAckInterval < TimeSpan.Zero)
            throw new ArgumentException("InvalidAckInterval must not be negative.", nameof(InvalidAckInterval));
        if (!Enum.IsDefined(CongestionControl))
            throw new ArgumentException("Unknown congestion control algorithm.", nameof(CongestionControl));
        if (!Enum.IsDefined(Ecn))
            throw new ArgumentException("Unknown ECN mode.", nameof(Ecn));
        if (SynRateLimit < 0 || SynRateBurst < 0)
            throw new ArgumentException("SynRateLimit and SynRateBurst must not be negative.", nameof(SynRateLimit));
        if (MaxTimeWaitRecords < 0)
            throw new ArgumentException("MaxTimeWaitRecords must not be negative.", nameof(MaxTimeWaitRecords));
        if (Msl < TimeSpan.Zero || KeepAliveIdle <= TimeSpan.Zero || KeepAliveInterval <= TimeSpan.Zero)
            throw new ArgumentException("Times must be positive.");
    }
}
