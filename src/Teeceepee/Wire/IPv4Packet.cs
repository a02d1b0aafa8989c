using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  IPv4 header (RFC 791 §3.1):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |Version|  IHL  |Type of Service|          Total Length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Identification        |Flags|      Fragment Offset    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                       Source Address                          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Destination Address                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Options                    |    Padding    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Flags: bit 0 reserved (must be zero), bit 1 DF, bit 2 MF. Fragment offset in units of 8 octets.

/// <summary>A validated view of an IPv4 packet, cut at its total length.</summary>
public readonly ref struct IPv4Packet
{
    /// <summary>Field offsets.</summary>
    public static class Field
    {
        /// <summary>Version (high nibble) and IHL (low nibble, 32-bit words).</summary>
        public const int VersionAndHeaderLength = 0;
        /// <summary>Type of service: DSCP and ECN (RFC 2474, RFC 3168).</summary>
        public const int TypeOfService = 1;
        /// <summary>Total length in octets (2 octets).</summary>
        public const int TotalLength = 2;
        /// <summary>Identification (2 octets).</summary>
        public const int Identification = 4;
        /// <summary>Flags (3 bits) and fragment offset (13 bits).</summary>
        public const int FlagsAndFragmentOffset = 6;
        /// <summary>Time to live (1 octet).</summary>
        public const int TimeToLive = 8;
        /// <summary>Protocol (1 octet).</summary>
        public const int Protocol = 9;
        /// <summary>Header checksum (2 octets).</summary>
        public const int Checksum = 10;
        /// <summary>Source address (4 octets).</summary>
        public const int Source = 12;
        /// <summary>Destination address (4 octets).</summary>
        public const int Destination = 16;
        /// <summary>First option octet (when IHL &gt; 5).</summary>
        public const int Options = 20;
    }

    /// <summary>Octets in a header without options.</summary>
    public const int MinHeaderLength = 20;

    private const ushort DontFragmentBit = 0x4000;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly ReadOnlySpan<byte> _buffer;

    private IPv4Packet(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>Validates an untrusted packet, including its header checksum.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out IPv4Packet packet, out WireError reason) =>
        TryParse(buffer, verifyChecksum: true, out packet, out reason);

    /// <summary>
    /// Validates an untrusted packet (RFC 791 §3.1, RFC 1122 §3.2.1): version 4, IHL at least 5 and
    /// within the buffer, total length covering the header and within the buffer (octets after it,
    /// such as Ethernet padding, are cut off), well-formed options, the header checksum unless
    /// <paramref name="verifyChecksum"/> is false (the link verified it), and a source that is
    /// neither broadcast nor multicast (RFC 1122 §3.2.1.3).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, bool verifyChecksum, out IPv4Packet packet, out WireError reason)
    {
        packet = default;
        if (buffer.Length < MinHeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        if (buffer[0] >> 4 != 4)
        {
            reason = WireError.BadVersion;
            return false;
        }
        int headerLength = (buffer[0] & 0xF) * 4;
        if (headerLength < MinHeaderLength || headerLength > buffer.Length)
        {
            reason = WireError.BadHeaderLength;
            return false;
        }
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.TotalLength..]);
        if (totalLength < headerLength || totalLength > buffer.Length)
        {
            reason = WireError.BadTotalLength;
            return false;
        }
        if (verifyChecksum && Checksum.Compute(buffer[..headerLength]) != 0)
        {
            reason = WireError.BadChecksum;
            return false;
        }
        if (!OptionsAreWellFormed(buffer[Field.Options..headerLength]))
        {
            reason = WireError.BadIPv4Option;
            return false;
        }
        var source = IPv4Address.Read(buffer[Field.Source..]);
        if (source.IsBroadcast || source.IsMulticast)
        {
            reason = WireError.BadSourceAddress;
            return false;
        }
        packet = new IPv4Packet(buffer[..totalLength]);
        reason = WireError.None;
        return true;
    }

    /// <summary>
    /// Validates the datagram an ICMP error quotes (RFC 792, RFC 1122 §3.2.2): the header as for
    /// <see cref="TryParse(ReadOnlySpan{byte}, bool, out IPv4Packet, out WireError)"/>, but the total length may
    /// exceed the quoted octets (a router quotes the header plus at least 8 octets), the checksum is not
    /// verified and the source is our own address. <see cref="Payload"/> holds the quoted payload octets,
    /// up to the total length; for TCP and UDP its first 4 octets are the ports.
    /// </summary>
    public static bool TryParseQuoted(ReadOnlySpan<byte> quoted, out IPv4Packet packet, out WireError reason)
    {
        packet = default;
        if (quoted.Length < MinHeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        if (quoted[0] >> 4 != 4)
        {
            reason = WireError.BadVersion;
            return false;
        }
        int headerLength = (quoted[0] & 0xF) * 4;
        if (headerLength < MinHeaderLength || headerLength > quoted.Length)
        {
            reason = WireError.BadHeaderLength;
            return false;
        }
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(quoted[Field.TotalLength..]);
        if (totalLength < headerLength)
        {
            reason = WireError.BadTotalLength;
            return false;
        }
        if (!OptionsAreWellFormed(quoted[Field.Options..headerLength]))
        {
            reason = WireError.BadIPv4Option;
            return false;
        }
        packet = new IPv4Packet(quoted[..Math.Min(totalLength, quoted.Length)]);
        reason = WireError.None;
        return true;
    }

    // RFC 791 §3.1 "Options": End of Option List (0) ends the list, No Operation (1) is one octet,
    // every other option is type, length (counting both), data.
    private static bool OptionsAreWellFormed(ReadOnlySpan<byte> options)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte type = options[i];
            if (type == 0)
                return true;
            if (type == 1)
            {
                i++;
                continue;
            }
            if (i + 1 >= options.Length)
                return false;
            int length = options[i + 1];
            if (length < 2 || i + length > options.Length)
                return false;
            i += length;
        }
        return true;
    }

    /// <summary>The version field (4).</summary>
    public byte Version => (byte)(_buffer[0] >> 4);

    /// <summary>Header length in octets (IHL × 4).</summary>
    public int HeaderLength => (_buffer[0] & 0xF) * 4;

    /// <summary>Type of service / traffic class octet (DSCP and ECN).</summary>
    public byte TypeOfService => _buffer[Field.TypeOfService];

    /// <summary>Total length in octets, header included.</summary>
    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.TotalLength..]);

    /// <summary>The identification used to reassemble fragments.</summary>
    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Identification..]);

    /// <summary>The DF flag.</summary>
    public bool DontFragment => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.FlagsAndFragmentOffset..]) & DontFragmentBit) != 0;

    /// <summary>The MF flag: more fragments follow.</summary>
    public bool MoreFragments => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.FlagsAndFragmentOffset..]) & MoreFragmentsBit) != 0;

    /// <summary>The fragment offset in octets (the field × 8).</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.FlagsAndFragmentOffset..]) & FragmentOffsetMask) * 8;

    /// <summary>True for any fragment of a fragmented datagram (MF set or a non-zero offset).</summary>
    public bool IsFragment => (BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.FlagsAndFragmentOffset..]) & (MoreFragmentsBit | FragmentOffsetMask)) != 0;

    /// <summary>Time to live.</summary>
    public byte TimeToLive => _buffer[Field.TimeToLive];

    /// <summary>The protocol of the payload (any value; not necessarily a named member).</summary>
    public IpProtocol Protocol => (IpProtocol)_buffer[Field.Protocol];

    /// <summary>The header checksum field as received.</summary>
    public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Checksum..]);

    /// <summary>True when the header checksum verifies.</summary>
    public bool IsChecksumValid => Checksum.Compute(Header) == 0;

    /// <summary>Source address.</summary>
    public IPv4Address Source => IPv4Address.Read(_buffer[Field.Source..]);

    /// <summary>Destination address.</summary>
    public IPv4Address Destination => IPv4Address.Read(_buffer[Field.Destination..]);

    /// <summary>The header, options included.</summary>
    public ReadOnlySpan<byte> Header => _buffer[..HeaderLength];

    /// <summary>The option octets (empty when IHL is 5), padding included.</summary>
    public ReadOnlySpan<byte> Options => _buffer[Field.Options..HeaderLength];

    /// <summary>The payload: from the end of the header to the total length (or to the end of a quoted datagram).</summary>
    public ReadOnlySpan<byte> Payload => _buffer[HeaderLength..];

    /// <summary>The packet, cut at its total length (a quoted datagram may be shorter than <see cref="TotalLength"/>).</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;
}
