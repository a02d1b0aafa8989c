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

    /// <summary>Largest super-frame (IPv4 datagram of 64 KiB) a segmentation offload carries, link header excluded.</summary>
    public const int MaxSuperFrameIPLength = 65535;

    /// <summary>
    /// The kernel interface behind the link (TAP/TUN device, raw socket's interface), or null: a stable name for the
    /// interface, which RFC 7217 stable IPv6 identifiers take as Net_Iface.
    /// </summary>
    public string? InterfaceName { get; init; }

    /// <summary>Per-frame offloads (TAP with a virtio-net header); used through the descriptor overloads of <see cref="ILink"/>.</summary>
    public LinkOffloads Offloads { get; init; }

    /// <summary>Largest ordinary frame the link sends or receives, link header included (super-frames excepted).</summary>
    public int MaxFrameLength => Medium == LinkMedium.Ethernet ? Mtu + EthernetHeaderLength : Mtu;

    /// <summary>Largest frame including super-frames when an offload allows them.</summary>
    public int MaxOffloadFrameLength => (Offloads & (LinkOffloads.ReceiveSegmentation | LinkOffloads.TransmitSegmentation)) != 0
        ? MaxSuperFrameIPLength + (Medium == LinkMedium.Ethernet ? EthernetHeaderLength : 0)
        : MaxFrameLength;
}
