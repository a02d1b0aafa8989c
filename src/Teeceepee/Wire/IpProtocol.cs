namespace Teeceepee.Wire;

/// <summary>The IPv4 protocol field (IANA "Assigned Internet Protocol Numbers").</summary>
public enum IpProtocol : byte
{
    /// <summary>ICMP (RFC 792).</summary>
    Icmp = 1,
    /// <summary>IGMP (RFC 3376), not spoken.</summary>
    Igmp = 2,
    /// <summary>TCP (RFC 9293).</summary>
    Tcp = 6,
    /// <summary>UDP (RFC 768).</summary>
    Udp = 17,
}
