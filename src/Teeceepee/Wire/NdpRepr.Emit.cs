using System.Buffers.Binary;

namespace Teeceepee.Wire;

public readonly partial record struct NdpRepr
{
    /// <summary>Octets of the whole ICMPv6 message: type, code, checksum, the fixed part and the options.</summary>
    /// <remarks>
    /// An emitted prefix count is at most one (<see cref="Prefix"/>); <see cref="PrefixCount"/> only reports parsed messages.
    /// </remarks>
    public int BufferLength
    {
        get
        {
            int length = 4 + Math.Max(BodyLength(Type), 0);
            if (SourceLinkLayerAddress is not null)
                length += 8;
            if (TargetLinkLayerAddress is not null)
                length += 8;
            if (Prefix is not null)
                length += 32;
            if (Mtu is not null)
                length += 8;
            if (Rdnss is { } rdnss)
                length += 8 + 16 * rdnss.Count;
            return length;
        }
    }

    /// <summary>
    /// Writes the whole message and its checksum (over the pseudo-header of <paramref name="source"/> and
    /// <paramref name="destination"/>) into <paramref name="buffer"/> (exactly <see cref="BufferLength"/>
    /// octets, or longer: only that prefix is used). Options go in the order source/target link-layer
    /// address, prefix information, MTU, RDNSS.
    /// </summary>
    public void Emit(Span<byte> buffer, IPv6Address source, IPv6Address destination)
    {
        int bodyLength = BodyLength(Type);
        if (bodyLength < 0)
            throw new InvalidOperationException($"{Type} is not a neighbor discovery message.");
        var message = buffer[..BufferLength];
        message[..(4 + bodyLength)].Clear();
        message[0] = (byte)Type;
        var body = message[4..];
        switch (Type)
        {
            case Icmpv6Type.RouterAdvertisement:
                body[0] = CurrentHopLimit;
                body[1] = (byte)((ManagedAddressConfiguration ? 0x80 : 0) | (OtherConfiguration ? 0x40 : 0));
                BinaryPrimitives.WriteUInt16BigEndian(body[2..], RouterLifetime);
                BinaryPrimitives.WriteUInt32BigEndian(body[4..], ReachableTime);
                BinaryPrimitives.WriteUInt32BigEndian(body[8..], RetransTimer);
                break;
            case Icmpv6Type.NeighborSolicitation or Icmpv6Type.NeighborAdvertisement or Icmpv6Type.Redirect:
                if (Type == Icmpv6Type.NeighborAdvertisement)
                    body[0] = (byte)((Router ? 0x80 : 0) | (Solicited ? 0x40 : 0) | (Override ? 0x20 : 0));
                TargetAddress.WriteTo(body[4..]);
                if (Type == Icmpv6Type.Redirect)
                    DestinationAddress.WriteTo(body[20..]);
                break;
        }
        var o = body[bodyLength..];
        if (SourceLinkLayerAddress is { } sll)
            o = WriteLinkLayer(o, NdpOptionType.SourceLinkLayerAddress, sll);
        if (TargetLinkLayerAddress is { } tll)
            o = WriteLinkLayer(o, NdpOptionType.TargetLinkLayerAddress, tll);
        if (Prefix is { } p)
        {
            o[..32].Clear();
            o[0] = (byte)NdpOptionType.PrefixInformation;
            o[1] = 4;
            o[2] = p.PrefixLength;
            o[3] = (byte)((p.OnLink ? 0x80 : 0) | (p.Autonomous ? 0x40 : 0));
            BinaryPrimitives.WriteUInt32BigEndian(o[4..], p.ValidLifetime);
            BinaryPrimitives.WriteUInt32BigEndian(o[8..], p.PreferredLifetime);
            p.Prefix.WriteTo(o[16..]);
            o = o[32..];
        }
        if (Mtu is { } mtu)
        {
            o[0] = (byte)NdpOptionType.Mtu;
            o[1] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(o[2..], 0);
            BinaryPrimitives.WriteUInt32BigEndian(o[4..], mtu);
            o = o[8..];
        }
        if (Rdnss is { } rdnss)
        {
            o[0] = (byte)NdpOptionType.RecursiveDnsServer;
            o[1] = (byte)(1 + 2 * rdnss.Count);
            BinaryPrimitives.WriteUInt16BigEndian(o[2..], 0);
            BinaryPrimitives.WriteUInt32BigEndian(o[4..], rdnss.Lifetime);
            rdnss.Server.WriteTo(o[8..]);
            if (rdnss.SecondServer is { } second)
                second.WriteTo(o[24..]);
        }
        Icmpv6Repr.WriteChecksum(message, source, destination);
    }

    private static Span<byte> WriteLinkLayer(Span<byte> o, NdpOptionType type, MacAddress address)
    {
        o[0] = (byte)type;
        o[1] = 1;
        address.WriteTo(o[2..]);
        return o[8..];
    }
}
