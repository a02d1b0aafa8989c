using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  UDP datagram (RFC 768):
//
//   0      7 8     15 16    23 24    31
//  +--------+--------+--------+--------+
//  |     Source      |   Destination   |
//  |      Port       |      Port       |
//  +--------+--------+--------+--------+
//  |                 |                 |
//  |     Length      |    Checksum     |
//  +--------+--------+--------+--------+
//  |          data octets ...
//  +---------------- ...
//
//  The checksum covers the pseudo-header (source, destination, zero, protocol 17, UDP length),
//  the header and the data. A transmitted zero means "no checksum"; a computed zero is sent as 0xFFFF.

/// <summary>A validated view of a UDP datagram, cut at its length field.</summary>
public readonly ref struct UdpDatagram
{
    /// <summary>Field offsets.</summary>
    public static class Field
    {
        /// <summary>Source port (2 octets).</summary>
        public const int SourcePort = 0;
        /// <summary>Destination port (2 octets).</summary>
        public const int DestinationPort = 2;
        /// <summary>Length of header plus data (2 octets).</summary>
        public const int Length = 4;
        /// <summary>Checksum (2 octets).</summary>
        public const int Checksum = 6;
        /// <summary>First data octet.</summary>
        public const int Payload = 8;
    }

    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = Field.Payload;

    private readonly ReadOnlySpan<byte> _buffer;

    private UdpDatagram(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Validates an untrusted datagram (the IPv4 payload): the header present and a length field of
    /// at least 8 and at most the buffer (octets after it are cut off). The checksum needs the IP
    /// addresses: see <see cref="IsChecksumValid"/> and <see cref="UdpRepr.TryParse"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out UdpDatagram datagram, out WireError reason)
    {
        datagram = default;
        if (buffer.Length < HeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.Length..]);
        if (length < HeaderLength || length > buffer.Length)
        {
            reason = WireError.BadUdpLength;
            return false;
        }
        datagram = new UdpDatagram(buffer[..length]);
        reason = WireError.None;
        return true;
    }

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_buffer);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.DestinationPort..]);

    /// <summary>The length field: header plus data.</summary>
    public int Length => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Length..]);

    /// <summary>The checksum field as received (zero: none was sent).</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Checksum..]);

    /// <summary>True when the checksum field is zero or verifies with the pseudo-header of these addresses (RFC 768).</summary>
    public bool IsChecksumValid(IPv4Address source, IPv4Address destination)
    {
        if (Checksum == 0)
            return true;
        uint sum = Wire.Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Udp, _buffer.Length);
        return Wire.Checksum.Fold(Wire.Checksum.Sum(_buffer, sum)) == 0;
    }

    /// <summary>
    /// True when the checksum verifies with the pseudo-header of these addresses, of either family. Over IPv6
    /// a zero field is invalid (RFC 8200 §8.1); over IPv4 it means none was sent (RFC 768).
    /// </summary>
    public bool IsChecksumValid(NetAddress source, NetAddress destination)
    {
        if (Checksum == 0)
            return source.IsIPv4 && destination.IsIPv4;
        uint sum = Wire.Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Udp, _buffer.Length);
        return Wire.Checksum.Fold(Wire.Checksum.Sum(_buffer, sum)) == 0;
    }

    /// <summary>The data octets.</summary>
    public ReadOnlySpan<byte> Payload => _buffer[Field.Payload..];

    /// <summary>The datagram, cut at its length field.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;
}
