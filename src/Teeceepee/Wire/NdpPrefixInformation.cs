namespace Teeceepee.Wire;

/// <summary>
/// The prefix information option of a router advertisement (RFC 4861 §4.6.2): the prefix, its length,
/// the on-link (L) and autonomous address-configuration (A) flags, and its lifetimes in seconds
/// (0xFFFFFFFF is infinity).
/// </summary>
public readonly record struct NdpPrefixInformation(byte PrefixLength, bool OnLink, bool Autonomous, uint ValidLifetime, uint PreferredLifetime, IPv6Address Prefix)
{
    /// <summary>A lifetime of infinity.</summary>
    public const uint Infinite = uint.MaxValue;
}
