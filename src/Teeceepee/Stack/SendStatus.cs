namespace Teeceepee.Stack;

/// <summary>What happened to a datagram handed to the IPv4 output path.</summary>
internal enum SendStatus : byte
{
    /// <summary>Sent, or queued while its next hop is resolved.</summary>
    Sent,
    /// <summary>No route: off-link with no gateway.</summary>
    NoRoute,
    /// <summary>Larger than the MTU with Don't Fragment set.</summary>
    TooBig,
}
