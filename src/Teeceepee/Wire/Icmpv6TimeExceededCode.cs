namespace Teeceepee.Wire;

/// <summary>ICMPv6 time exceeded codes (RFC 4443 §3.3).</summary>
public enum Icmpv6TimeExceededCode : byte
{
    /// <summary>Hop limit exceeded in transit.</summary>
    HopLimitExceeded = 0,
    /// <summary>Fragment reassembly time exceeded.</summary>
    ReassemblyTimeExceeded = 1,
}
