using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>The fixed IPv6 header as the stack sees it (RFC 8200 §3). Extension headers are part of the payload.</summary>
public readonly record struct IPv6Repr
{
    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = IPv6Packet.HeaderLength;

    /// <summary>The default hop limit for packets we originate (RFC 4861 §6.3.2 leaves it to RAs; Linux uses 64).</summary>
    public const byte DefaultHopLimit = 64;

    /// <summary>Source address.</summary>
    public IPv6Address Source { get; init; }

    /// <summary>Destination address.</summary>
    public IPv6Address Destination { get; init; }

    /// <summary>The first header after the fixed one.</summary>
    public IpProtocol NextHeader { get; init; }

    /// <summary>Octets after the 40-octet header (extension headers included).</summary>
    public int PayloadLength { get; init; }

    /// <summary>Hop limit.</summary>
    public byte HopLimit { get; init; }

    /// <summary>Traffic class octet (DSCP and ECN).</summary>
    public byte TrafficClass { get; init; }

    /// <summary>Flow label (20 bits; higher bits are ignored on emit).</summary>
    public uint FlowLabel { get; init; }

    /// <summary>Header plus payload.</summary>
    public int BufferLength => HeaderLength + PayloadLength;

    /// <summary>Reads a parsed packet; never fails (the view has checked everything).</summary>
    public static bool TryParse(in IPv6Packet packet, out IPv6Repr repr, out WireError reason)
    {
        repr = new IPv6Repr
        {
            Source = packet.Source,
            Destination = packet.Destination,
            NextHeader = packet.NextHeader,
            PayloadLength = packet.PayloadLength,
            HopLimit = packet.HopLimit,
            TrafficClass = packet.TrafficClass,
            FlowLabel = packet.FlowLabel,
        };
        reason = WireError.None;
        return true;
    }

    /// <summary>
    /// Writes the 40-octet header at the start of <paramref name="buffer"/> (at least
    /// <see cref="HeaderLength"/> octets); the payload after it is left alone.
    /// </summary>
    public void Emit(Span<byte> buffer)
    {
        var header = buffer[..HeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(header, (6u << 28) | ((uint)TrafficClass << 20) | (FlowLabel & 0xF_FFFF));
        BinaryPrimitives.WriteUInt16BigEndian(header[IPv6Packet.Field.PayloadLength..], (ushort)PayloadLength);
        header[IPv6Packet.Field.NextHeader] = (byte)NextHeader;
        header[IPv6Packet.Field.HopLimit] = HopLimit;
        Source.WriteTo(header[IPv6Packet.Field.Source..]);
        Destination.WriteTo(header[IPv6Packet.Field.Destination..]);
    }
}
