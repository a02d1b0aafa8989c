using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  ARP for IPv4 over Ethernet (RFC 826):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     Hardware type (1)         |    Protocol type (0x0800)     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | HW len (6)    | Proto len (4) |          Operation            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |               Sender hardware address (6 octets)              |
//  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                               | Sender protocol address       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  |  (4 octets)                   | Target hardware address       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  |                          (6 octets)                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |               Target protocol address (4 octets)              |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>A validated view of an ARP packet for IPv4 over Ethernet.</summary>
public readonly ref struct ArpPacket
{
    /// <summary>Field offsets (for the Ethernet/IPv4 address lengths this view accepts).</summary>
    public static class Field
    {
        /// <summary>Hardware type (2 octets).</summary>
        public const int HardwareType = 0;
        /// <summary>Protocol type (2 octets).</summary>
        public const int ProtocolType = 2;
        /// <summary>Hardware address length (1 octet).</summary>
        public const int HardwareLength = 4;
        /// <summary>Protocol address length (1 octet).</summary>
        public const int ProtocolLength = 5;
        /// <summary>Operation (2 octets).</summary>
        public const int Operation = 6;
        /// <summary>Sender hardware address (6 octets).</summary>
        public const int SenderHardwareAddress = 8;
        /// <summary>Sender protocol address (4 octets).</summary>
        public const int SenderProtocolAddress = 14;
        /// <summary>Target hardware address (6 octets).</summary>
        public const int TargetHardwareAddress = 18;
        /// <summary>Target protocol address (4 octets).</summary>
        public const int TargetProtocolAddress = 24;
        /// <summary>Octets in the whole packet.</summary>
        public const int End = 28;
    }

    /// <summary>Hardware type for Ethernet (RFC 826, IANA "Hardware Types").</summary>
    public const ushort EthernetHardwareType = 1;

    /// <summary>Octets in an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = Field.End;

    /// <summary>The octets before the variable-length addresses.</summary>
    private const int FixedLength = Field.SenderHardwareAddress;

    private readonly ReadOnlySpan<byte> _buffer;

    private ArpPacket(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Validates an untrusted packet: Ethernet hardware (1, length 6), IPv4 protocol (0x0800, length 4),
    /// 28 octets present (Ethernet padding after them is ignored). The operation is not checked here.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out ArpPacket packet, out WireError reason)
    {
        packet = default;
        if (buffer.Length < FixedLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        if (BinaryPrimitives.ReadUInt16BigEndian(buffer) != EthernetHardwareType
            || BinaryPrimitives.ReadUInt16BigEndian(buffer[Field.ProtocolType..]) != (ushort)EtherType.IPv4
            || buffer[Field.HardwareLength] != 6
            || buffer[Field.ProtocolLength] != 4)
        {
            reason = WireError.UnsupportedArpFormat;
            return false;
        }
        if (buffer.Length < Length)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        packet = new ArpPacket(buffer[..Length]);
        reason = WireError.None;
        return true;
    }

    /// <summary>Hardware type (always 1, Ethernet, after a successful parse).</summary>
    public ushort HardwareType => BinaryPrimitives.ReadUInt16BigEndian(_buffer);

    /// <summary>Protocol type (always 0x0800, IPv4, after a successful parse).</summary>
    public EtherType ProtocolType => (EtherType)BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.ProtocolType..]);

    /// <summary>Hardware address length (6).</summary>
    public byte HardwareLength => _buffer[Field.HardwareLength];

    /// <summary>Protocol address length (4).</summary>
    public byte ProtocolLength => _buffer[Field.ProtocolLength];

    /// <summary>The raw operation (may be other than request or reply).</summary>
    public ArpOperation Operation => (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Operation..]);

    /// <summary>Sender hardware address.</summary>
    public MacAddress SenderHardwareAddress => MacAddress.Read(_buffer[Field.SenderHardwareAddress..]);

    /// <summary>Sender protocol address.</summary>
    public IPv4Address SenderProtocolAddress => IPv4Address.Read(_buffer[Field.SenderProtocolAddress..]);

    /// <summary>Target hardware address.</summary>
    public MacAddress TargetHardwareAddress => MacAddress.Read(_buffer[Field.TargetHardwareAddress..]);

    /// <summary>Target protocol address.</summary>
    public IPv4Address TargetProtocolAddress => IPv4Address.Read(_buffer[Field.TargetProtocolAddress..]);

    /// <summary>The 28 octets of the packet (without link padding).</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;
}
