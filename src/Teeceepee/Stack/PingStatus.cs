namespace Teeceepee.Stack;

/// <summary>How an echo request ended.</summary>
public enum PingStatus : byte
{
    /// <summary>An echo reply came back.</summary>
    Success,
    /// <summary>No reply within the timeout.</summary>
    TimedOut,
    /// <summary>The next hop did not answer ARP, or a router reported the host unreachable.</summary>
    HostUnreachable,
    /// <summary>No route to the destination (off-link and no gateway), or a router reported the network unreachable.</summary>
    NetworkUnreachable,
    /// <summary>A router or the host reported another destination-unreachable code (protocol, port, prohibited...).</summary>
    DestinationUnreachable,
    /// <summary>A router reported the TTL exceeded in transit.</summary>
    TimeExceeded,
    /// <summary>The request needed fragmenting but Don't Fragment applied, or a router reported so.</summary>
    PacketTooBig,
}
