using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  IPv6 header (RFC 8200 §3):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version| Traffic Class |           Flow Label                  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Payload Length        |  Next Header  |   Hop Limit   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  +                         Source Address                        +
//  |                          (128 bits)                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                                                               |
//  +                      Destination Address                      +
//  |                          (128 bits)                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Traffic class: DSCP (6 bits) and ECN (2 bits) (RFC 2474, RFC 3168). Payload length counts the
//  extension headers and the upper-layer packet, not this 40-octet header.

/// <summary>A validated view of an IPv6 packet, cut at its payload length.</summary>
public readonly ref struct IPv6Packet
{
    /// <summary>Field offsets.</summary>
    public static class Field
    {
        /// <summary>Version (4 bits), traffic class (8 bits), flow label (20 bits).</summary>
        public const int VersionClassFlow = 0;
        /// <summary>Payload length (2 octets).</summary>
        public const int PayloadLength = 4;
        /// <summary>Next header (1 octet).</summary>
        public const int NextHeader = 6;
        /// <summary>Hop limit (1 octet).</summary>
        public const int HopLimit = 7;
        /// <summary>Source address (16 octets).</summary>
        public const int Source = 8;
        /// <summary>Destination address (16 octets).</summary>
        public const int Destination = 24;
        /// <summary>First payload octet.</summary>
        public const int Payload = 40;
    }

    /// <summary>Octets in the fixed header.</summary>
    public const int HeaderLength = Field.Payload;

    private readonly ReadOnlySpan<byte> _buffer;

    private IPv6Packet(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Validates an untrusted packet (RFC 8200 §3): the 40-octet header present, version 6, a payload
    /// length within the buffer (octets after it, such as Ethernet padding, are cut off) and a source
    /// that is not multicast (RFC 4291 §2.7). A payload length of zero is read as an empty payload
    /// (jumbograms, RFC 2675, are not supported).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out IPv6Packet packet, out WireError reason)
    {
        packet = default;
        if (buffer.Length < HeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        if (buffer[0] >> 4 != 6)
        {
            reason = WireError.BadVersion;
            return false;
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.PayloadLength..]);
        if (HeaderLength + payloadLength > buffer.Length)
        {
            reason = WireError.BadPayloadLength;
            return false;
        }
        if (buffer[Field.Source] == 0xFF)
        {
            reason = WireError.BadSourceAddress;
            return false;
        }
        packet = new IPv6Packet(buffer[..(HeaderLength + payloadLength)]);
        reason = WireError.None;
        return true;
    }

    /// <summary>
    /// Validates the packet an ICMPv6 error quotes (RFC 4443 §2.4 (c)): the header as for
    /// <see cref="TryParse"/>, but the payload length may exceed the quoted octets (the error is cut
    /// to fit the minimum MTU) and the source is not checked (it is ours). <see cref="Payload"/> holds
    /// the quoted payload octets, up to the payload length.
    /// </summary>
    public static bool TryParseQuoted(ReadOnlySpan<byte> quoted, out IPv6Packet packet, out WireError reason)
    {
        packet = default;
        if (quoted.Length < HeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        if (quoted[0] >> 4 != 6)
        {
            reason = WireError.BadVersion;
            return false;
        }
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(quoted[Field.PayloadLength..]);
        packet = new IPv6Packet(quoted[..Math.Min(HeaderLength + payloadLength, quoted.Length)]);
        reason = WireError.None;
        return true;
    }

    private uint First => BinaryPrimitives.ReadUInt32BigEndian(_buffer);

    /// <summary>The version field (6).</summary>
    public byte Version => (byte)(_buffer[0] >> 4);

    /// <summary>The traffic class octet: DSCP (high 6 bits) and ECN (low 2 bits).</summary>
    public byte TrafficClass => (byte)(First >> 20);

    /// <summary>The differentiated services code point (RFC 2474).</summary>
    public byte Dscp => (byte)((First >> 22) & 0x3F);

    /// <summary>The ECN field (RFC 3168).</summary>
    public byte Ecn => (byte)((First >> 20) & 3);

    /// <summary>The 20-bit flow label (RFC 6437).</summary>
    public uint FlowLabel => First & 0xF_FFFF;

    /// <summary>The payload length field: octets after the 40-octet header.</summary>
    public int PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.PayloadLength..]);

    /// <summary>The type of the first header after this one (an extension header or the upper layer).</summary>
    public IpProtocol NextHeader => (IpProtocol)_buffer[Field.NextHeader];

    /// <summary>The hop limit.</summary>
    public byte HopLimit => _buffer[Field.HopLimit];

    /// <summary>Source address.</summary>
    public IPv6Address Source => IPv6Address.Read(_buffer[Field.Source..]);

    /// <summary>Destination address.</summary>
    public IPv6Address Destination => IPv6Address.Read(_buffer[Field.Destination..]);

    /// <summary>The 40-octet header.</summary>
    public ReadOnlySpan<byte> Header => _buffer[..HeaderLength];

    /// <summary>Everything after the fixed header: extension headers and the upper-layer packet.</summary>
    public ReadOnlySpan<byte> Payload => _buffer[HeaderLength..];

    /// <summary>The packet, cut at its payload length (a quoted packet may be shorter).</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;
}
