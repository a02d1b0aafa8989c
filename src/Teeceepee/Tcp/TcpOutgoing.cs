using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>A segment leaving the TCP layer: IPv4 source (local) and destination (remote) plus the header; the payload sits in the caller's buffer.</summary>
public readonly record struct TcpOutgoing(NetAddress LocalAddress, NetAddress RemoteAddress, TcpRepr Segment)
{
    /// <summary>
    /// For a super-segment (payload longer than one MSS, <see cref="TcpHost.SegmentationOffloadLimit"/>): the payload
    /// octets per wire segment the link cuts it into (TSO gso_size). 0 for an ordinary segment.
    /// </summary>
    public int SegmentSize { get; init; }
}
