namespace Teeceepee.Wire;

/// <summary>The two-bit ECN field of the IPv4 TOS octet and the IPv6 traffic class (RFC 3168 §5).</summary>
public enum EcnCodepoint : byte
{
    /// <summary>Not-ECT: the transport does not do ECN.</summary>
    NotEct = 0,

    /// <summary>ECT(1): ECN-capable transport (RFC 3168's second codepoint).</summary>
    Ect1 = 1,

    /// <summary>ECT(0): ECN-capable transport, what TCP sets (RFC 3168 §6.1.1).</summary>
    Ect0 = 2,

    /// <summary>CE: congestion experienced, set by a router's AQM instead of dropping.</summary>
    Ce = 3,
}
