namespace Teeceepee.Wire;

/// <summary>The Ethernet II type field (IEEE 802.3 §3.2.6; values from the IEEE registry).</summary>
public enum EtherType : ushort
{
    /// <summary>Internet Protocol version 4 (RFC 894).</summary>
    IPv4 = 0x0800,
    /// <summary>Address Resolution Protocol (RFC 826).</summary>
    Arp = 0x0806,
    /// <summary>IEEE 802.1Q VLAN tag (recognised, rejected).</summary>
    Vlan = 0x8100,
    /// <summary>Internet Protocol version 6 (RFC 8200, RFC 2464).</summary>
    IPv6 = 0x86DD,
    /// <summary>IEEE 802.1ad service VLAN tag, "Q-in-Q" (recognised, rejected).</summary>
    QinQ = 0x88A8,
}
