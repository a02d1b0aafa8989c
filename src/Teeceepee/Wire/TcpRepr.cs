namespace Teeceepee.Wire;

/// <summary>
/// A TCP segment header as the state machine sees it: validated, with illegal flag combinations
/// already rejected and options decoded. The payload travels beside it as a span.
/// </summary>
/// <remarks>Tests use <c>with</c> expressions on a template segment (<c>Syn with { SeqNumber = isn + 1 }</c>).</remarks>
public readonly partial record struct TcpRepr
{
    /// <summary>Source port.</summary>
    public ushort SourcePort { get; init; }

    /// <summary>Destination port.</summary>
    public ushort DestinationPort { get; init; }

    /// <summary>SYN, FIN, RST or none.</summary>
    public TcpControl Control { get; init; }

    /// <summary>The PSH flag.</summary>
    public bool Push { get; init; }

    /// <summary>The ECE flag (RFC 3168 §6.1): ECN-Echo, or on a SYN/SYN-ACK the ECN set-up.</summary>
    public bool EcnEcho { get; init; }

    /// <summary>The CWR flag (RFC 3168 §6.1.2): the sender reduced its window after an ECN-Echo.</summary>
    public bool CongestionWindowReduced { get; init; }

    /// <summary>Sequence number of the first octet (or of the SYN).</summary>
    public SeqNumber SeqNumber { get; init; }

    /// <summary>The acknowledgment number when the ACK flag is set, otherwise null.</summary>
    public SeqNumber? AckNumber { get; init; }

    /// <summary>The raw (unscaled) window field.</summary>
    public ushort WindowLength { get; init; }

    /// <summary>The urgent pointer when URG is set (carried, not acted on: RFC 6093 discourages urgent data).</summary>
    public ushort? UrgentPointer { get; init; }

    /// <summary>MSS option (kind 2), SYN segments only.</summary>
    public ushort? MaxSegmentSize { get; init; }

    /// <summary>Window scale shift count (kind 3, RFC 7323 §2), SYN segments only.</summary>
    public byte? WindowScale { get; init; }

    /// <summary>SACK-permitted option (kind 4, RFC 2018).</summary>
    public bool SackPermitted { get; init; }

    /// <summary>SACK blocks (kind 5, RFC 2018).</summary>
    public TcpSackBlocks SackBlocks { get; init; }

    /// <summary>Timestamps option (kind 8, RFC 7323 §3).</summary>
    public TcpTimestamp? Timestamp { get; init; }

    /// <summary>
    /// The ECN field of the IP header that carries the segment (RFC 3168 §5), not a TCP header field: the IP layer sets it
    /// on arrival and writes it on departure; parsing and emitting the TCP header leave it alone.
    /// </summary>
    public EcnCodepoint Ecn { get; init; }

    /// <summary>Payload octets carried after the header.</summary>
    public int PayloadLength { get; init; }

    /// <summary>Octets of sequence space the segment occupies: payload plus one each for SYN and FIN (RFC 9293 §3.4).</summary>
    public int SegmentLength => PayloadLength + (Control is TcpControl.Syn or TcpControl.Fin ? 1 : 0);
}
