using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>An IPv4 header as the stack sees it. We emit no options (IHL 5).</summary>
public readonly record struct IPv4Repr
{
    /// <summary>Octets in the header we emit.</summary>
    public const int HeaderLength = IPv4Packet.MinHeaderLength;

    /// <summary>The default time to live for packets we originate (RFC 1700, Linux default).</summary>
    public const byte DefaultTimeToLive = 64;

    /// <summary>Source address.</summary>
    public IPv4Address Source { get; init; }

    /// <summary>Destination address.</summary>
    public IPv4Address Destination { get; init; }

    /// <summary>Protocol of the payload.</summary>
    public IpProtocol Protocol { get; init; }

    /// <summary>Octets of payload after the header (of this fragment).</summary>
    public int PayloadLength { get; init; }

    /// <summary>Time to live.</summary>
    public byte TimeToLive { get; init; }

    /// <summary>Identification (RFC 6864: only meaningful for fragments).</summary>
    public ushort Identification { get; init; }

    /// <summary>The DF flag.</summary>
    public bool DontFragment { get; init; }

    /// <summary>The MF flag.</summary>
    public bool MoreFragments { get; init; }

    /// <summary>Fragment offset in octets (a multiple of 8).</summary>
    public int FragmentOffset { get; init; }

    /// <summary>Type of service octet (DSCP and ECN).</summary>
    public byte TypeOfService { get; init; }

    /// <summary>Header plus payload: the total length field.</summary>
    public int BufferLength => HeaderLength + PayloadLength;

    /// <summary>Reads a parsed packet. Options are not carried over; <see cref="PayloadLength"/> excludes them.</summary>
    public static bool TryParse(in IPv4Packet packet, out IPv4Repr repr, out WireError reason)
    {
        repr = new IPv4Repr
        {
            Source = packet.Source,
            Destination = packet.Destination,
            Protocol = packet.Protocol,
            PayloadLength = packet.TotalLength - packet.HeaderLength,
            TimeToLive = packet.TimeToLive,
            Identification = packet.Identification,
            DontFragment = packet.DontFragment,
            MoreFragments = packet.MoreFragments,
            FragmentOffset = packet.FragmentOffset,
            TypeOfService = packet.TypeOfService,
        };
        reason = WireError.None;
        return true;
    }

    /// <summary>
    /// Writes the 20-octet header, checksum included, at the start of <paramref name="buffer"/>
    /// (which is <see cref="BufferLength"/> long, or at least <see cref="HeaderLength"/>). The payload
    /// after the header is left alone: write it first or after, in place.
    /// </summary>
    public void Emit(Span<byte> buffer)
    {
        var header = buffer[..HeaderLength];
        header[IPv4Packet.Field.VersionAndHeaderLength] = 0x45;
        header[IPv4Packet.Field.TypeOfService] = TypeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(header[IPv4Packet.Field.TotalLength..], (ushort)(HeaderLength + PayloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[IPv4Packet.Field.Identification..], Identification);
        int flags = (DontFragment ? 0x4000 : 0) | (MoreFragments ? 0x2000 : 0) | ((FragmentOffset >> 3) & 0x1FFF);
        BinaryPrimitives.WriteUInt16BigEndian(header[IPv4Packet.Field.FlagsAndFragmentOffset..], (ushort)flags);
        header[IPv4Packet.Field.TimeToLive] = TimeToLive;
        header[IPv4Packet.Field.Protocol] = (byte)Protocol;
        BinaryPrimitives.WriteUInt16BigEndian(header[IPv4Packet.Field.Checksum..], 0);
        Source.WriteTo(header[IPv4Packet.Field.Source..]);
        Destination.WriteTo(header[IPv4Packet.Field.Destination..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[IPv4Packet.Field.Checksum..], Checksum.Compute(header));
    }
}
