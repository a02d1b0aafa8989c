using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>An ARP request or reply for IPv4 over Ethernet (RFC 826).</summary>
public readonly record struct ArpRepr
{
    /// <summary>Octets in the packet.</summary>
    public const int HeaderLength = ArpPacket.Length;

    /// <summary>Request or reply.</summary>
    public ArpOperation Operation { get; init; }

    /// <summary>The sender's MAC address.</summary>
    public MacAddress SenderHardwareAddress { get; init; }

    /// <summary>The sender's IPv4 address.</summary>
    public IPv4Address SenderProtocolAddress { get; init; }

    /// <summary>The target's MAC address (zero in a request).</summary>
    public MacAddress TargetHardwareAddress { get; init; }

    /// <summary>The target's IPv4 address.</summary>
    public IPv4Address TargetProtocolAddress { get; init; }

    /// <summary>Octets <see cref="Emit"/> writes: 28.</summary>
    public int BufferLength => HeaderLength;

    /// <summary>Reads a parsed packet; operations other than request and reply are <see cref="WireError.UnsupportedArpOperation"/>.</summary>
    public static bool TryParse(in ArpPacket packet, out ArpRepr repr, out WireError reason)
    {
        var op = packet.Operation;
        if (op is not (ArpOperation.Request or ArpOperation.Reply))
        {
            repr = default;
            reason = WireError.UnsupportedArpOperation;
            return false;
        }
        repr = new ArpRepr
        {
            Operation = op,
            SenderHardwareAddress = packet.SenderHardwareAddress,
            SenderProtocolAddress = packet.SenderProtocolAddress,
            TargetHardwareAddress = packet.TargetHardwareAddress,
            TargetProtocolAddress = packet.TargetProtocolAddress,
        };
        reason = WireError.None;
        return true;
    }

    /// <summary>Writes the 28-octet packet at the start of <paramref name="buffer"/>.</summary>
    public void Emit(Span<byte> buffer)
    {
        buffer = buffer[..HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, ArpPacket.EthernetHardwareType);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ArpPacket.Field.ProtocolType..], (ushort)EtherType.IPv4);
        buffer[ArpPacket.Field.HardwareLength] = 6;
        buffer[ArpPacket.Field.ProtocolLength] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[ArpPacket.Field.Operation..], (ushort)Operation);
        SenderHardwareAddress.WriteTo(buffer[ArpPacket.Field.SenderHardwareAddress..]);
        SenderProtocolAddress.WriteTo(buffer[ArpPacket.Field.SenderProtocolAddress..]);
        TargetHardwareAddress.WriteTo(buffer[ArpPacket.Field.TargetHardwareAddress..]);
        TargetProtocolAddress.WriteTo(buffer[ArpPacket.Field.TargetProtocolAddress..]);
    }
}
