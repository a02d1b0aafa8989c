namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// Congestion control behind one interface (RFC 5681, RFC 6582 and whatever comes next: CUBIC, BBR). The TCB detects
/// the events (ACKs, loss, recovery, timeouts, ECN echoes) and the controller owns cwnd, ssthresh and the pacing rate;
/// all sizes in bytes. Called once per ACK or event, never per byte.
/// </summary>
public interface ICongestionController
{
    /// <summary>cwnd.</summary>
    int Window { get; }

    /// <summary>ssthresh.</summary>
    int SlowStartThreshold { get; }

    /// <summary>True during fast recovery.</summary>
    bool InRecovery { get; }

    /// <summary>Pacing rate in bytes per second; 0 sends unpaced (as the ACK clock and cwnd allow).</summary>
    long PacingRate { get; }

    /// <summary>The algorithm's name as Linux spells it (<c>cubic</c>, <c>reno</c>, <c>bbr</c>).</summary>
    string Name { get; }

    /// <summary>The current phase (slow-start, congestion-avoidance, recovery, startup, probe-bw-cruise...).</summary>
    string Phase { get; }

    /// <summary>The controller's bottleneck-bandwidth estimate in bytes per second (BBR's BBR.bw); 0 when it keeps none.</summary>
    long BandwidthEstimate => 0;

    /// <summary>The controller's own minimum-RTT estimate (BBR's BBR.min_rtt, windowed); null when it keeps none.</summary>
    TimeSpan? MinRttEstimate => null;

    /// <summary>True when the controller reads <see cref="TcpAckEvent.Pipe"/> (BBR's C.inflight): the TCB computes it only then.</summary>
    bool UsesPipe => false;

    /// <summary>Sets SMSS; before any data also sets IW = min(10*MSS, max(2*MSS, 14600)) (RFC 6928).</summary>
    void SetMss(int mss);

    /// <summary>
    /// Every ACK that acknowledges or SACKs new data, and every duplicate ACK (RFC 5681 §2): what it delivered, the
    /// flight, an RTT sample and a delivery-rate sample. Called before the recovery events the same ACK causes.
    /// </summary>
    void OnAck(in TcpAckEvent ack);

    /// <summary>Octets newly deemed lost (RFC 6675 IsLost, RACK's time rule RFC 8985 §6.2, a lost retransmission).</summary>
    void OnLossDetected(long bytesLost, int bytesInFlight);

    /// <summary>Loss starts fast recovery (RFC 5681 §3.2 steps 2-3, RFC 6675 §5 step 4): reduce ssthresh once per episode.</summary>
    void OnRecoveryStart(int bytesInFlight);

    /// <summary>Further duplicate ACK in NewReno recovery (no SACK): inflate by SMSS (RFC 5681 §3.2 step 4).</summary>
    void OnDuplicateAck(int bytesInFlight);

    /// <summary>Partial ACK in NewReno recovery (RFC 6582 §3.2 step 5).</summary>
    void OnPartialAck(int bytesAcked);

    /// <summary>
    /// RFC 6937 §3: PRR's per-ACK send quota in SACK recovery, computed with this controller's ssthresh; the
    /// controller applies it (cwnd = pipe + sndcnt) so a controller may bound or replace it.
    /// </summary>
    void OnRecoveryQuota(long pipe, long sendQuota);

    /// <summary>Full ACK ends recovery (RFC 6582 §3.2 step 6, RFC 6937 §3.1).</summary>
    void OnRecoveryEnd(int bytesInFlight);

    /// <summary>Retransmission timeout (RFC 5681 §3.1 eqn 4); leaves recovery.</summary>
    void OnRetransmitTimeout(int bytesInFlight);

    /// <summary>The last recovery or timeout proved spurious (RFC 4015 §3, RFC 5682): undo its reduction.</summary>
    void OnSpuriousRecovery();

    /// <summary>An ACK carried ECN-Echo (RFC 3168 §6.1.2): react as to loss, at most once per window (the TCB gates it).</summary>
    void OnEcnEcho(int bytesInFlight);
}
