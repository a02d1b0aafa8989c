using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  ICMPv4 message (RFC 792). Common header, then per type:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Type      |     Code      |          Checksum             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Identifier          |        Sequence Number        |   echo request (8) / reply (0)
//  |             unused            |         Next-Hop MTU          |   destination unreachable (3), RFC 1191
//  |                             unused                            |   time exceeded (11)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Data (echo) or Internet Header + 64 bits of Original Data Datagram (errors) ...
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  The checksum covers the whole ICMP message.

/// <summary>A validated view of an ICMPv4 message (any type: the common header is always readable).</summary>
public readonly ref struct IcmpPacket
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
        /// <summary>Next-hop MTU of "fragmentation needed" (2 octets, RFC 1191 §4).</summary>
        public const int NextHopMtu = 6;
        /// <summary>First data octet.</summary>
        public const int Data = 8;
    }

    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = Field.Data;

    private readonly ReadOnlySpan<byte> _buffer;

    private IcmpPacket(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Validates an untrusted message (the IPv4 payload), including its checksum.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out IcmpPacket packet, out WireError reason) =>
        TryParse(buffer, verifyChecksum: true, out packet, out reason);

    /// <summary>
    /// Validates an untrusted message: the 8-octet header present and, unless
    /// <paramref name="verifyChecksum"/> is false, a checksum that verifies over the whole message.
    /// The type is not checked here (see <see cref="IcmpRepr.TryParse"/>).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, bool verifyChecksum, out IcmpPacket packet, out WireError reason)
    {
        packet = default;
        if (buffer.Length < HeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        if (verifyChecksum && Wire.Checksum.Compute(buffer) != 0)
        {
            reason = WireError.BadChecksum;
            return false;
        }
        packet = new IcmpPacket(buffer);
        reason = WireError.None;
        return true;
    }

    /// <summary>The type (any value; not necessarily a named member).</summary>
    public IcmpType Type => (IcmpType)_buffer[Field.Type];

    /// <summary>The code.</summary>
    public byte Code => _buffer[Field.Code];

    /// <summary>The checksum field as received.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Checksum..]);

    /// <summary>True when the checksum verifies over the whole message.</summary>
    public bool IsChecksumValid => Wire.Checksum.Compute(_buffer) == 0;

    /// <summary>Octets 4..7 of the header, whatever the type.</summary>
    public uint RestOfHeader => BinaryPrimitives.ReadUInt32BigEndian(_buffer[Field.Identifier..]);

    /// <summary>The echo identifier (meaningful for echo request and reply).</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Identifier..]);

    /// <summary>The echo sequence number (meaningful for echo request and reply).</summary>
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.SequenceNumber..]);

    /// <summary>The next-hop MTU (meaningful for destination unreachable, code 4).</summary>
    public ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.NextHopMtu..]);

    /// <summary>Everything after the 8-octet header: echo data, or the quoted datagram of an error.</summary>
    public ReadOnlySpan<byte> Data => _buffer[Field.Data..];

    /// <summary>For error messages, the quoted datagram (IP header plus at least 8 octets of its payload); the same octets as <see cref="Data"/>.</summary>
    public ReadOnlySpan<byte> QuotedDatagram => _buffer[Field.Data..];

    /// <summary>Same as <see cref="Data"/> (the name every view shares).</summary>
    public ReadOnlySpan<byte> Payload => _buffer[Field.Data..];

    /// <summary>The whole message.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;
}
