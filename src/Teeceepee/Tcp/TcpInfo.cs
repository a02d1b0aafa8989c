namespace Teeceepee.Tcp;

/// <summary>A snapshot of one connection, like <c>ss -ti</c>.</summary>
public readonly record struct TcpInfo
{
    /// <summary>Connection state.</summary>
    public TcpState State { get; init; }
    /// <summary>The failure, if any.</summary>
    public TcpError Error { get; init; }
    /// <summary>Effective send MSS (payload bytes per segment).</summary>
    public int Mss { get; init; }
    /// <summary>Congestion window in bytes.</summary>
    public int CongestionWindow { get; init; }
    /// <summary>Slow-start threshold in bytes.</summary>
    public int SlowStartThreshold { get; init; }
    /// <summary>The congestion controller (<c>cubic</c>, <c>reno</c>, <c>bbr</c>), like ss's algorithm column.</summary>
    public string? CongestionAlgorithm { get; init; }
    /// <summary>The controller's phase (slow-start, conservative-slow-start, congestion-avoidance, recovery, loss; BBR's states).</summary>
    public string? CongestionPhase { get; init; }
    /// <summary>The pacing rate in bytes per second; 0 when sends are not paced.</summary>
    public long PacingRate { get; init; }
    /// <summary>The latest delivery-rate sample in bytes per second (Linux tcpi_delivery_rate); 0 before one.</summary>
    public long DeliveryRate { get; init; }
    /// <summary>The controller's bottleneck-bandwidth estimate in bytes per second (BBR's max_bw bounded by bw_lo, Linux bbr_bw); 0 for loss-based controllers.</summary>
    public long BottleneckBandwidth { get; init; }
    /// <summary>The controller's windowed minimum RTT (BBR.min_rtt, 10 s filter); null for controllers that keep none.</summary>
    public TimeSpan? ModelMinRtt { get; init; }
    /// <summary>The smallest RTT measured (Linux tcpi_min_rtt), null before the first sample.</summary>
    public TimeSpan? MinRtt { get; init; }
    /// <summary>Smoothed RTT, null before the first sample.</summary>
    public TimeSpan? SmoothedRtt { get; init; }
    /// <summary>RTT variance.</summary>
    public TimeSpan RttVariance { get; init; }
    /// <summary>Current retransmission timeout.</summary>
    public TimeSpan Rto { get; init; }
    /// <summary>Segments retransmitted (timeouts and fast retransmits).</summary>
    public long Retransmits { get; init; }
    /// <summary>Retransmission timeouts.</summary>
    public long Timeouts { get; init; }
    /// <summary>Fast retransmits (third duplicate ACK or NewReno partial ACK).</summary>
    public long FastRetransmits { get; init; }

    /// <summary>Retransmissions found lost during SACK recovery and resent without a timeout.</summary>
    public long LostRetransmits { get; init; }
    /// <summary>D-SACK blocks received (RFC 2883: the peer got a segment twice).</summary>
    public long DsacksReceived { get; init; }
    /// <summary>Fast recoveries and timeouts found spurious (D-SACK, RFC 3708; Eifel, RFC 3522) and undone (RFC 4015).</summary>
    public long SpuriousRecoveries { get; init; }
    /// <summary>Segments RACK's time rule marked lost (RFC 8985 §6.2: sent a reordering window before a segment delivered).</summary>
    public long RackLostSegments { get; init; }
    /// <summary>Tail loss probes sent (RFC 8985 §7).</summary>
    public long TailLossProbes { get; init; }
    /// <summary>Tail loss probes that repaired a loss (RFC 8985 §7.4; the window was reduced as for a recovery).</summary>
    public long TailLossProbeRecoveries { get; init; }
    /// <summary>Retransmission timeouts F-RTO found spurious (RFC 5682) and undid; also counted in <see cref="SpuriousRecoveries"/>.</summary>
    public long FrtoSpuriousTimeouts { get; init; }
    /// <summary>Payload bytes sent, retransmissions included.</summary>
    public long BytesSent { get; init; }
    /// <summary>Payload bytes the peer acknowledged.</summary>
    public long BytesAcked { get; init; }
    /// <summary>Payload bytes received in order.</summary>
    public long BytesReceived { get; init; }
    /// <summary>Segments sent.</summary>
    public long SegmentsSent { get; init; }
    /// <summary>Segments received.</summary>
    public long SegmentsReceived { get; init; }
    /// <summary>Segments dropped (out of window, PAWS, bad ACK...).</summary>
    public long SegmentsDropped { get; init; }
    /// <summary>The peer's window (scaled) in bytes.</summary>
    public long PeerWindow { get; init; }
    /// <summary>The window we last advertised, in bytes.</summary>
    public long ReceiveWindow { get; init; }
    /// <summary>Bytes in the send buffer (unacknowledged + unsent).</summary>
    public int SendQueue { get; init; }
    /// <summary>In-order bytes waiting for the application.</summary>
    public int ReceiveQueue { get; init; }
    /// <summary>Bytes in flight (SND.NXT - SND.UNA).</summary>
    public int BytesInFlight { get; init; }
    /// <summary>Our window-scale shift (-1 when scaling is off).</summary>
    public int ReceiveWindowScale { get; init; }
    /// <summary>The peer's window-scale shift (-1 when scaling is off).</summary>
    public int SendWindowScale { get; init; }
    /// <summary>Timestamps negotiated.</summary>
    public bool Timestamps { get; init; }
    /// <summary>SACK negotiated.</summary>
    public bool Sack { get; init; }
    /// <summary>ECN negotiated on the handshake (RFC 3168 §6.1.1): data goes out ECT(0).</summary>
    public bool Ecn { get; init; }
    /// <summary>Segments that arrived marked CE (congestion experienced).</summary>
    public long EcnCeReceived { get; init; }
    /// <summary>ACKs that arrived with ECN-Echo.</summary>
    public long EcnEchoesReceived { get; init; }
    /// <summary>Window reductions made for ECN-Echo (at most one per window, RFC 3168 §6.1.2).</summary>
    public long EcnReductions { get; init; }
    /// <summary>The path MTU the send MSS implies (MSS plus IP and TCP headers).</summary>
    public int PathMtu { get; init; }
    /// <summary>ICMP black holes suspected (full-sized segments timing out), each dropping the MSS to the base size (RFC 4821 §7.7).</summary>
    public long BlackHolesDetected { get; init; }
    /// <summary>Path MTU probes sent (RFC 4821 §7.4) and how many of them were lost.</summary>
    public long MtuProbes { get; init; }
    /// <summary>Path MTU probes lost.</summary>
    public long MtuProbesFailed { get; init; }
}
