using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// A segment leaving the TCP layer: source (local) and destination (remote) addresses plus the header; the payload sits in
/// the caller's buffer, or, with <see cref="TcpHost.GatherSend"/>, stays in the connection's send ring
/// (<see cref="Payload"/>, <see cref="Payload2"/>).
/// </summary>
public readonly record struct TcpOutgoing(NetAddress LocalAddress, NetAddress RemoteAddress, TcpRepr Segment)
{
    /// <summary>
    /// For a super-segment (payload longer than one MSS, <see cref="TcpHost.SegmentationOffloadLimit"/>): the payload
    /// octets per wire segment the link cuts it into (TSO gso_size). 0 for an ordinary segment.
    /// </summary>
    public int SegmentSize { get; init; }

    /// <summary>
    /// With <see cref="TcpHost.GatherSend"/>: the payload where it lies in the send ring, one slice or two (the ring
    /// wrapped), nothing copied. Both empty when the payload was copied into the caller's buffer (or there is none).
    /// Valid until the next call into the host.
    /// </summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The second slice of <see cref="Payload"/> when the send ring wrapped; else empty.</summary>
    public ReadOnlyMemory<byte> Payload2 { get; init; }

    /// <summary>True when the payload was left in the send ring (<see cref="Payload"/>, <see cref="Payload2"/>).</summary>
    public bool PayloadInPlace => Segment.PayloadLength > 0 && Payload.Length + Payload2.Length == Segment.PayloadLength;
}
