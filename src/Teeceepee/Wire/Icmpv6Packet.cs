using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  ICMPv6 message (RFC 4443 §2.1). Common header, then per type:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Identifier          |        Sequence Number        |   echo request (128) / reply (129)
//  |                             Unused                            |   destination unreachable (1), time exceeded (3)
//  |                              MTU                              |   packet too big (2)
//  |                            Pointer                            |   parameter problem (4)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |    Data (echo), or as much of the invoking packet as fits in 1280 octets (errors) ...
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  The checksum covers the IPv6 pseudo-header (RFC 8200 §8.1, next header 58) and the whole message.
//  NDP (RFC 4861) and MLD (RFC 3810) messages share the first four octets; see NdpRepr and MldReport.

/// <summary>A validated view of an ICMPv6 message (any type: the common header is always readable).</summary>
public readonly ref struct Icmpv6Packet
{
    /// <summary>Field offsets.</summary>
    public static class Field
    {
        /// <summary>Type (1 octet).</summary>
        public const int Type = 0;
        /// <summary>Code (1 octet).</summary>
        public const int Code = 1;
        /// <summary>Checksum (2 octets).</summary>
        public const int Checksum = 2;
        /// <summary>Echo identifier (2 octets).</summary>
        public const int Identifier = 4;
        /// <summary>Echo sequence number (2 octets).</summary>
        public const int SequenceNumber = 6;
        /// <summary>Packet too big MTU, parameter problem pointer (4 octets).</summary>
        public const int MtuOrPointer = 4;
        /// <summary>First data octet.</summary>
        public const int Data = 8;
    }

    /// <summary>Octets in the common header including the 4 type-specific octets.</summary>
    public const int HeaderLength = Field.Data;

    private readonly ReadOnlySpan<byte> _buffer;

    private Icmpv6Packet(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Validates an untrusted message (the upper-layer part of an IPv6 packet), including its checksum.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, IPv6Address source, IPv6Address destination, out Icmpv6Packet packet, out WireError reason) =>
        TryParse(buffer, source, destination, verifyChecksum: true, out packet, out reason);

    /// <summary>
    /// Validates an untrusted message: the 8-octet header present (RFC 4443 §2.1; NDP and MLD messages are
    /// at least that long) and, unless <paramref name="verifyChecksum"/> is false, a checksum that verifies
    /// over the pseudo-header of <paramref name="source"/> and <paramref name="destination"/> and the whole
    /// message (§2.3). The type is not checked here.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, IPv6Address source, IPv6Address destination, bool verifyChecksum,
        out Icmpv6Packet packet, out WireError reason)
    {
        packet = default;
        if (buffer.Length < HeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        if (verifyChecksum && !ChecksumVerifies(buffer, source, destination))
        {
            reason = WireError.BadChecksum;
            return false;
        }
        packet = new Icmpv6Packet(buffer);
        reason = WireError.None;
        return true;
    }

    private static bool ChecksumVerifies(ReadOnlySpan<byte> message, IPv6Address source, IPv6Address destination) =>
        Wire.Checksum.Fold(Wire.Checksum.Sum(message, Wire.Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Icmpv6, message.Length))) == 0;

    /// <summary>The type (any value; not necessarily a named member).</summary>
    public Icmpv6Type Type => (Icmpv6Type)_buffer[Field.Type];

    /// <summary>The code.</summary>
    public byte Code => _buffer[Field.Code];

    /// <summary>The checksum field as received.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Checksum..]);

    /// <summary>True when the checksum verifies with the pseudo-header of these addresses.</summary>
    public bool IsChecksumValid(IPv6Address source, IPv6Address destination) => ChecksumVerifies(_buffer, source, destination);

    /// <summary>Octets 4..7, whatever the type.</summary>
    public uint RestOfHeader => BinaryPrimitives.ReadUInt32BigEndian(_buffer[Field.Identifier..]);

    /// <summary>The echo identifier (meaningful for echo request and reply).</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Identifier..]);

    /// <summary>The echo sequence number (meaningful for echo request and reply).</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.SequenceNumber..]);

    /// <summary>The MTU of a packet too big message (RFC 4443 §3.2).</summary>
    public uint Mtu => BinaryPrimitives.ReadUInt32BigEndian(_buffer[Field.MtuOrPointer..]);

    /// <summary>The pointer of a parameter problem message (RFC 4443 §3.4): an octet offset in the invoking packet.</summary>
    public uint Pointer => BinaryPrimitives.ReadUInt32BigEndian(_buffer[Field.MtuOrPointer..]);

    /// <summary>Everything after the 8-octet header: echo data, or the invoking packet of an error.</summary>
    public ReadOnlySpan<byte> Data => _buffer[Field.Data..];

    /// <summary>For error messages, the invoking packet (as much as fit); the same octets as <see cref="Data"/>. Read it with <see cref="IPv6Packet.TryParseQuoted"/>.</summary>
    public ReadOnlySpan<byte> QuotedPacket => _buffer[Field.Data..];

    /// <summary>Everything after the 4-octet type, code and checksum: the message body NDP and MLD lay out.</summary>
    public ReadOnlySpan<byte> Body => _buffer[Field.Identifier..];

    /// <summary>The whole message.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;
}
