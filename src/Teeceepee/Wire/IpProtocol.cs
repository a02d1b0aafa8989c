namespace Teeceepee.Wire;

/// <summary>The IPv4 protocol field and the IPv6 next header field (IANA "Assigned Internet Protocol Numbers").</summary>
public enum IpProtocol : byte
{
    /// <summary>IPv6 hop-by-hop options (RFC 8200 §4.3); only as an IPv6 next header.</summary>
    HopByHop = 0,
    /// <summary>ICMP (RFC 792).</summary>
    Icmp = 1,
    /// <summary>IGMP (RFC 3376), not spoken.</summary>
    Igmp = 2,
    /// <summary>TCP (RFC 9293).</summary>
    Tcp = 6,
    /// <summary>UDP (RFC 768).</summary>
    Udp = 17,
    /// <summary>IPv6 routing header (RFC 8200 §4.4).</summary>
    IPv6Routing = 43,
    /// <summary>IPv6 fragment header (RFC 8200 §4.5).</summary>
    IPv6Fragment = 44,
    /// <summary>Encapsulating security payload (RFC 4303), not spoken.</summary>
    Esp = 50,
    /// <summary>Authentication header (RFC 4302), not spoken.</summary>
    AuthenticationHeader = 51,
    /// <summary>ICMPv6 (RFC 4443).</summary>
    Icmpv6 = 58,
    /// <summary>No next header (RFC 8200 §4.7).</summary>
    NoNextHeader = 59,
    /// <summary>IPv6 destination options (RFC 8200 §4.6).</summary>
    IPv6DestinationOptions = 60,
}
