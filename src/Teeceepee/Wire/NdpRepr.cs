using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  Neighbor discovery messages (RFC 4861 §4), after the ICMPv6 type, code (0) and checksum:
//
//  Router solicitation (133):   | Reserved (4) | options
//  Router advertisement (134):  | Cur Hop Limit |M|O| rsvd | Router Lifetime (2) |
//                               | Reachable Time (4) | Retrans Timer (4) | options
//  Neighbor solicitation (135): | Reserved (4) | Target Address (16) | options
//  Neighbor advertisement (136):|R|S|O| Reserved (29 bits) | Target Address (16) | options
//  Redirect (137):              | Reserved (4) | Target Address (16) | Destination Address (16) | options
//
//  Every message must arrive with hop limit 255 (§6.1, §7.1): the host checks that on the IPv6 header.

/// <summary>
/// A neighbor discovery message (RFC 4861): RS, RA, NS, NA or redirect, with the options the host uses
/// as nullable fields (the first of each kind; every option stays readable with <see cref="NdpOptionReader"/>).
/// </summary>
public readonly partial record struct NdpRepr
{
    /// <summary>The message type (133..137).</summary>
    public Icmpv6Type Type { get; init; }

    /// <summary>RA: the hop limit hosts should use (0: unspecified).</summary>
    public byte CurrentHopLimit { get; init; }

    /// <summary>RA: M, addresses are available by DHCPv6.</summary>
    public bool ManagedAddressConfiguration { get; init; }

    /// <summary>RA: O, other configuration is available by DHCPv6.</summary>
    public bool OtherConfiguration { get; init; }

    /// <summary>RA: router lifetime in seconds (0: not a default router).</summary>
    public ushort RouterLifetime { get; init; }

    /// <summary>RA: reachable time in milliseconds (0: unspecified).</summary>
    public uint ReachableTime { get; init; }

    /// <summary>RA: retransmission timer in milliseconds (0: unspecified).</summary>
    public uint RetransTimer { get; init; }

    /// <summary>NS, NA, redirect: the target address.</summary>
    public IPv6Address TargetAddress { get; init; }

    /// <summary>Redirect: the destination being redirected.</summary>
    public IPv6Address DestinationAddress { get; init; }

    /// <summary>NA: R, the sender is a router.</summary>
    public bool Router { get; init; }

    /// <summary>NA: S, sent in answer to a solicitation.</summary>
    public bool Solicited { get; init; }

    /// <summary>NA: O, override an existing cache entry.</summary>
    public bool Override { get; init; }

    /// <summary>The source link-layer address option.</summary>
    public MacAddress? SourceLinkLayerAddress { get; init; }

    /// <summary>The target link-layer address option.</summary>
    public MacAddress? TargetLinkLayerAddress { get; init; }

    /// <summary>RA: the MTU option.</summary>
    public uint? Mtu { get; init; }

    /// <summary>RA: the first prefix information option.</summary>
    public NdpPrefixInformation? Prefix { get; init; }

    /// <summary>RA: how many prefix information options the message carries (only the first is in <see cref="Prefix"/>).</summary>
    public int PrefixCount { get; init; }

    /// <summary>RA: the first recursive DNS server option (RFC 8106).</summary>
    public NdpRdnss? Rdnss { get; init; }

    /// <summary>A router solicitation.</summary>
    public static NdpRepr RouterSolicitation(MacAddress? source) =>
        new() { Type = Icmpv6Type.RouterSolicitation, SourceLinkLayerAddress = source };

    /// <summary>A neighbor solicitation for <paramref name="target"/> (no source link-layer address for DAD, §7.2.2).</summary>
    public static NdpRepr NeighborSolicitation(IPv6Address target, MacAddress? source) =>
        new() { Type = Icmpv6Type.NeighborSolicitation, TargetAddress = target, SourceLinkLayerAddress = source };

    /// <summary>A neighbor advertisement for <paramref name="target"/>.</summary>
    public static NdpRepr NeighborAdvertisement(IPv6Address target, MacAddress? targetLinkLayerAddress, bool solicited, bool @override, bool router = false) =>
        new() { Type = Icmpv6Type.NeighborAdvertisement, TargetAddress = target, TargetLinkLayerAddress = targetLinkLayerAddress, Solicited = solicited, Override = @override, Router = router };

    /// <summary>The fixed part after type, code and checksum, per message type.</summary>
    private static int BodyLength(Icmpv6Type type) => type switch
    {
        Icmpv6Type.RouterSolicitation => 4,
        Icmpv6Type.RouterAdvertisement => 12,
        Icmpv6Type.NeighborSolicitation or Icmpv6Type.NeighborAdvertisement => 20,
        Icmpv6Type.Redirect => 36,
        _ => -1,
    };

    /// <summary>True for the five NDP message types.</summary>
    public static bool IsNdp(Icmpv6Type type) => BodyLength(type) >= 0;

    /// <summary>
    /// Decodes a parsed ICMPv6 message (checksum already verified) as NDP: types 133..137 with code 0,
    /// long enough for their fixed part (§6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1) and, for NS and NA, a
    /// target that is not multicast, else <see cref="WireError.BadNdpMessage"/>; options as
    /// <see cref="NdpOptionReader.TryParse"/> (<see cref="WireError.BadNdpOption"/>). Other types are
    /// <see cref="WireError.UnsupportedIcmpv6"/>.
    /// </summary>
    public static bool TryParse(in Icmpv6Packet packet, out NdpRepr repr, out WireError reason)
    {
        repr = default;
        var type = packet.Type;
        int bodyLength = BodyLength(type);
        if (bodyLength < 0)
        {
            reason = WireError.UnsupportedIcmpv6;
            return false;
        }
        var body = packet.Body;
        if (packet.Code != 0 || body.Length < bodyLength)
        {
            reason = WireError.BadNdpMessage;
            return false;
        }
        if (!NdpOptionReader.TryParse(body[bodyLength..], out var options, out reason))
            return false;

        var r = new NdpRepr { Type = type };
        switch (type)
        {
            case Icmpv6Type.RouterAdvertisement:
                r = r with
                {
                    CurrentHopLimit = body[0],
                    ManagedAddressConfiguration = (body[1] & 0x80) != 0,
                    OtherConfiguration = (body[1] & 0x40) != 0,
                    RouterLifetime = BinaryPrimitives.ReadUInt16BigEndian(body[2..]),
                    ReachableTime = BinaryPrimitives.ReadUInt32BigEndian(body[4..]),
                    RetransTimer = BinaryPrimitives.ReadUInt32BigEndian(body[8..]),
                };
                break;
            case Icmpv6Type.NeighborSolicitation or Icmpv6Type.NeighborAdvertisement or Icmpv6Type.Redirect:
                r = r with { TargetAddress = IPv6Address.Read(body[4..]) };
                if (type != Icmpv6Type.Redirect && r.TargetAddress.IsMulticast)
                {
                    reason = WireError.BadNdpMessage;
                    return false;
                }
                if (type == Icmpv6Type.NeighborAdvertisement)
                    r = r with { Router = (body[0] & 0x80) != 0, Solicited = (body[0] & 0x40) != 0, Override = (body[0] & 0x20) != 0 };
                if (type == Icmpv6Type.Redirect)
                    r = r with { DestinationAddress = IPv6Address.Read(body[20..]) };
                break;
        }
        foreach (var option in options)
        {
            switch (option.Type)
            {
                case NdpOptionType.SourceLinkLayerAddress when r.SourceLinkLayerAddress is null:
                    r = r with { SourceLinkLayerAddress = option.LinkLayerAddress };
                    break;
                case NdpOptionType.TargetLinkLayerAddress when r.TargetLinkLayerAddress is null:
                    r = r with { TargetLinkLayerAddress = option.LinkLayerAddress };
                    break;
                case NdpOptionType.Mtu when r.Mtu is null:
                    r = r with { Mtu = option.Mtu };
                    break;
                case NdpOptionType.PrefixInformation:
                    r = r with { Prefix = r.Prefix ?? option.PrefixInformation, PrefixCount = r.PrefixCount + 1 };
                    break;
                case NdpOptionType.RecursiveDnsServer when r.Rdnss is null:
                    r = r with { Rdnss = option.Rdnss };
                    break;
            }
        }
        repr = r;
        reason = WireError.None;
        return true;
    }

    /// <summary>The options of a parsed NDP message, for the ones <see cref="NdpRepr"/> does not keep (every prefix, every server).</summary>
    public static bool TryGetOptions(in Icmpv6Packet packet, out NdpOptionReader options, out WireError reason)
    {
        int bodyLength = BodyLength(packet.Type);
        if (bodyLength < 0 || packet.Body.Length < bodyLength)
        {
            options = default;
            reason = bodyLength < 0 ? WireError.UnsupportedIcmpv6 : WireError.BadNdpMessage;
            return false;
        }
        return NdpOptionReader.TryParse(packet.Body[bodyLength..], out options, out reason);
    }
}
