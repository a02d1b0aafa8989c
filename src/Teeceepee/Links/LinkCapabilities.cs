using Teeceepee.Wire;

namespace Teeceepee.Links;

/// <summary>What a link is and can do.</summary>
/// <param name="Medium">Ethernet or bare IP.</param>
/// <param name="Mtu">Largest IP packet the link carries (excluding the Ethernet header).</param>
/// <param name="HardwareAddress">The link's own MAC (Ethernet medium), if it has one the stack should use.</param>
/// <param name="Checksums">Checksum offloads.</param>
public readonly record struct LinkCapabilities(
    LinkMedium Medium,
    int Mtu,
    MacAddress? HardwareAddress = null,
    ChecksumOffload Checksums = ChecksumOffload.None)
{
    /// <summary>Ethernet II header length.</summary>
    public const int EthernetHeaderLength = 14;

    /// <summary>Largest frame the link sends or receives, link header included.</summary>
    public int MaxFrameLength => Medium == LinkMedium.Ethernet ? Mtu + EthernetHeaderLength : Mtu;
}
