using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  Ethernet II frame (IEEE 802.3 §3.1.1, RFC 894), as a TAP or AF_PACKET link hands it over
//  (no preamble, no FCS):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                   Destination MAC address                     |
//  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                               |                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  |                     Source MAC address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           EtherType           |    Payload ...
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>A validated view of an Ethernet II frame.</summary>
public readonly ref struct EthernetFrame
{
    /// <summary>Field offsets.</summary>
    public static class Field
    {
        /// <summary>Destination address (6 octets).</summary>
        public const int Destination = 0;
        /// <summary>Source address (6 octets).</summary>
        public const int Source = 6;
        /// <summary>EtherType (2 octets).</summary>
        public const int EtherType = 12;
        /// <summary>First payload octet.</summary>
        public const int Payload = 14;
    }

    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = Field.Payload;

    private readonly ReadOnlySpan<byte> _buffer;

    private EthernetFrame(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Validates an untrusted frame: a full header and an Ethernet II type. VLAN-tagged frames are
    /// <see cref="WireError.UnsupportedVlan"/>; an 802.3 length field (below 0x0600) is
    /// <see cref="WireError.UnsupportedEtherType"/>. Other EtherTypes are accepted here.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out EthernetFrame frame, out WireError reason)
    {
        frame = default;
        if (buffer.Length < HeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.EtherType..]);
        if (type is (ushort)EtherType.Vlan or (ushort)EtherType.QinQ)
        {
            reason = WireError.UnsupportedVlan;
            return false;
        }
        // IEEE 802.3 §3.2.6: values up to 1500 are a length (802.3/LLC framing), 1501..1535 undefined.
        if (type < 0x0600)
        {
            reason = WireError.UnsupportedEtherType;
            return false;
        }
        frame = new EthernetFrame(buffer);
        reason = WireError.None;
        return true;
    }

    /// <summary>The destination MAC address.</summary>
    public MacAddress Destination => MacAddress.Read(_buffer);

    /// <summary>The source MAC address.</summary>
    public MacAddress Source => MacAddress.Read(_buffer[Field.Source..]);

    /// <summary>The EtherType (any value from 0x0600 up; not necessarily a named member).</summary>
    public EtherType EtherType => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.EtherType..]);

    /// <summary>The whole frame.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>Everything after the header (may include link padding beyond the inner packet).</summary>
    public ReadOnlySpan<byte> Payload => _buffer[Field.Payload..];
}
