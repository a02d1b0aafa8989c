namespace Teeceepee.Links;

/// <summary>What a link's frames start with.</summary>
public enum LinkMedium : byte
{
    /// <summary>Ethernet II frames (TAP, raw AF_PACKET, memory links in Ethernet mode).</summary>
    Ethernet,
    /// <summary>Bare IP packets (TUN): no link header, no ARP.</summary>
    IP,
}
