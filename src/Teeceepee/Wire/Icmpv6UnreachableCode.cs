namespace Teeceepee.Wire;

/// <summary>ICMPv6 destination unreachable codes (RFC 4443 §3.1, RFC 8201).</summary>
public enum Icmpv6UnreachableCode : byte
{
    /// <summary>No route to destination.</summary>
    NoRoute = 0,
    /// <summary>Communication with destination administratively prohibited.</summary>
    AdministrativelyProhibited = 1,
    /// <summary>Beyond scope of source address.</summary>
    BeyondScope = 2,
    /// <summary>Address unreachable (neighbour discovery failed).</summary>
    AddressUnreachable = 3,
    /// <summary>Port unreachable.</summary>
    PortUnreachable = 4,
    /// <summary>Source address failed ingress/egress policy.</summary>
    SourcePolicyFailed = 5,
    /// <summary>Reject route to destination.</summary>
    RejectRoute = 6,
    /// <summary>Error in source routing header (RFC 6554).</summary>
    SourceRoutingError = 7,
}
