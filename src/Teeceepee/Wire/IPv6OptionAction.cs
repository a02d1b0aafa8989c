namespace Teeceepee.Wire;

/// <summary>
/// What to do with a hop-by-hop or destination option whose type is not recognised: the two high bits
/// of the option type (RFC 8200 §4.2).
/// </summary>
public enum IPv6OptionAction : byte
{
    /// <summary>00: skip the option and go on.</summary>
    Skip = 0,
    /// <summary>01: discard the packet silently.</summary>
    Discard = 1,
    /// <summary>10: discard and send ICMPv6 parameter problem code 2 pointing at the option type, whatever the destination.</summary>
    DiscardAndReport = 2,
    /// <summary>11: discard and report as above only when the destination is not multicast.</summary>
    DiscardAndReportUnlessMulticast = 3,
}
