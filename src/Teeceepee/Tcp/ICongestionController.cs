namespace Teeceepee.Tcp;

/// <summary>Congestion control behind one interface (RFC 5681, RFC 6582); all sizes in bytes.</summary>
public interface ICongestionController
{
    /// <summary>cwnd.</summary>
    int Window { get; }

    /// <summary>ssthresh.</summary>
    int SlowStartThreshold { get; }

    /// <summary>True during fast recovery.</summary>
    bool InRecovery { get; }

    /// <summary>Sets SMSS; before any data also sets IW = min(10*MSS, max(2*MSS, 14600)) (RFC 6928).</summary>
    void SetMss(int mss);

    /// <summary>New data ACKed outside recovery: slow start or congestion avoidance (RFC 5681 §3.1, RFC 3465).</summary>
    void OnAck(Instant now, int bytesAcked, int bytesInFlight);

    /// <summary>Third duplicate ACK: enter fast recovery (RFC 5681 §3.2 steps 2-3).</summary>
    void OnLoss(int bytesInFlight);

    /// <summary>Further duplicate ACK in recovery: inflate by SMSS (RFC 5681 §3.2 step 4).</summary>
    void OnDuplicateAck(int bytesInFlight);

    /// <summary>Partial ACK in recovery (RFC 6582 §3.2 step 5).</summary>
    void OnPartialAck(int bytesAcked);

    /// <summary>Full ACK ends recovery (RFC 6582 §3.2 step 6).</summary>
    void OnRecoveryEnd(int bytesInFlight);

    /// <summary>Retransmission timeout (RFC 5681 §3.1 eqn 4); leaves recovery.</summary>
    void OnRetransmitTimeout(int bytesInFlight);
}
