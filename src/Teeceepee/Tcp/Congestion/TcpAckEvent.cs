namespace Teeceepee.Tcp.Congestion;

/// <summary>What one ACK told the congestion controller (see <see cref="ICongestionController.OnAck"/>).</summary>
public readonly record struct TcpAckEvent
{
    /// <summary>When the ACK arrived.</summary>
    public Instant Now { get; init; }

    /// <summary>Octets by which SND.UNA advanced (the cumulative ACK; SYN and FIN octets included).</summary>
    public int BytesAcked { get; init; }

    /// <summary>Octets newly delivered: the cumulative advance plus newly SACKed octets, less what was SACKed before.</summary>
    public long BytesDelivered { get; init; }

    /// <summary>Octets in flight before this ACK (SND.MAX - SND.UNA).</summary>
    public int BytesInFlight { get; init; }

    /// <summary>
    /// Octets still in the network after this ACK (RFC 6675 pipe: sent, neither SACKed nor deemed lost, plus
    /// retransmissions out), the draft-ietf-ccwg-bbr C.inflight; null when the TCB did not compute it.
    /// </summary>
    public int? Pipe { get; init; }

    /// <summary>True for a duplicate ACK (RFC 5681 §2): SND.UNA did not move.</summary>
    public bool IsDuplicate { get; init; }

    /// <summary>The RTT this ACK measured (RFC 6298 / RFC 7323 §4), or null when it measured none (Karn's rule).</summary>
    public TimeSpan? RttSample { get; init; }

    /// <summary>
    /// True when <see cref="RttSample"/> was timed from our last retransmission because the echoed timestamp predates it:
    /// an upper bound on the episode, but possibly shorter than the path's RTT, so no minimum-RTT sample.
    /// </summary>
    public bool RttSampleFromRetransmission { get; init; }

    /// <summary>The delivery-rate sample (BBR draft §4.5.2 "delivery rate estimation"); invalid when none.</summary>
    public DeliveryRateSample Rate { get; init; }

    /// <summary>True when this ACK starts a new round trip (a segment sent after the last round start was delivered).</summary>
    public bool RoundStart { get; init; }
}
