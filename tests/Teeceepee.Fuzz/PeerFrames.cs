using Teeceepee.Wire;

namespace Teeceepee.Fuzz;

/// <summary>Frames from the harness's peer (198.18.0.1) to the stack (198.18.0.2), built with our emitters.</summary>
public static class PeerFrames
{
    /// <summary>The stack's address.</summary>
    public static readonly IPv4Address StackAddress = new(198, 18, 0, 2);
    /// <summary>The peer's address.</summary>
    public static readonly IPv4Address PeerAddress = new(198, 18, 0, 1);
    /// <summary>The stack's MAC.</summary>
    public static readonly MacAddress StackMac = MacAddress.Parse("02:00:00:00:00:02");
    /// <summary>The peer's MAC.</summary>
    public static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:00:01");

    /// <summary>An Ethernet frame around <paramref name="payload"/>.</summary>
    public static byte[] Ethernet(EtherType type, ReadOnlySpan<byte> payload, MacAddress? destination = null)
    {
        var frame = new byte[EthernetRepr.HeaderLength + payload.Length];
        new EthernetRepr(PeerMac, destination ?? StackMac, type).Emit(frame);
        payload.CopyTo(frame.AsSpan(EthernetRepr.HeaderLength));
        return frame;
    }

    /// <summary>An ARP packet from the peer (a request for the stack's address by default).</summary>
    public static byte[] Arp(ArpOperation operation = ArpOperation.Request, IPv4Address? senderAddress = null, MacAddress? destination = null)
    {
        var arp = new ArpRepr
        {
            Operation = operation,
            SenderHardwareAddress = PeerMac,
            SenderProtocolAddress = senderAddress ?? PeerAddress,
            TargetHardwareAddress = operation == ArpOperation.Reply ? StackMac : MacAddress.Zero,
            TargetProtocolAddress = StackAddress,
        };
        var bytes = new byte[ArpRepr.HeaderLength];
        arp.Emit(bytes);
        return Ethernet(EtherType.Arp, bytes, destination ?? MacAddress.Broadcast);
    }

    /// <summary>An IPv4 datagram (or fragment) in an Ethernet frame.</summary>
    public static byte[] IPv4(IpProtocol protocol, ReadOnlySpan<byte> payload, ushort identification = 1, int fragmentOffset = 0,
        bool moreFragments = false, IPv4Address? destination = null, ReadOnlySpan<byte> options = default)
    {
        var repr = new IPv4Repr
        {
            Source = PeerAddress,
            Destination = destination ?? StackAddress,
            Protocol = protocol,
            PayloadLength = payload.Length,
            TimeToLive = 64,
            Identification = identification,
            FragmentOffset = fragmentOffset,
            MoreFragments = moreFragments,
        };
        var packet = new byte[repr.BufferLength];
        repr.Emit(packet);
        payload.CopyTo(packet.AsSpan(IPv4Repr.HeaderLength));
        if (!options.IsEmpty)
            packet = WithOptions(packet, options);
        return Ethernet(EtherType.IPv4, packet);
    }

    /// <summary>A TCP segment from the peer, checksummed.</summary>
    public static byte[] Tcp(TcpRepr segment, ReadOnlySpan<byte> payload = default)
    {
        var bytes = new byte[segment.HeaderLength + payload.Length];
        (segment with { PayloadLength = payload.Length }).Emit(bytes, payload, PeerAddress, StackAddress);
        return IPv4(IpProtocol.Tcp, bytes);
    }

    /// <summary>A UDP datagram from the peer, checksummed.</summary>
    public static byte[] Udp(ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload, IPv4Address? destination = null)
    {
        var udp = new UdpRepr(sourcePort, destinationPort, payload.Length);
        var bytes = new byte[udp.BufferLength];
        udp.Emit(bytes, payload, PeerAddress, destination ?? StackAddress);
        return IPv4(IpProtocol.Udp, bytes, destination: destination);
    }

    /// <summary>An ICMP message (header + data), checksummed.</summary>
    public static byte[] Icmp(IcmpRepr icmp, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[icmp.BufferLength];
        icmp.Emit(bytes, data);
        return IPv4(IpProtocol.Icmp, bytes);
    }

    // Inserts IPv4 options after the 20-octet header (padded to 4 octets) and fixes the lengths.
    private static byte[] WithOptions(byte[] packet, ReadOnlySpan<byte> options)
    {
        int optionLength = (options.Length + 3) & ~3;
        var result = new byte[packet.Length + optionLength];
        packet.AsSpan(0, IPv4Repr.HeaderLength).CopyTo(result);
        options.CopyTo(result.AsSpan(IPv4Repr.HeaderLength));
        packet.AsSpan(IPv4Repr.HeaderLength).CopyTo(result.AsSpan(IPv4Repr.HeaderLength + optionLength));
        result[0] = (byte)(0x40 | (IPv4Repr.HeaderLength + optionLength) / 4);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(2), (ushort)result.Length);
        result[10] = 0;
        result[11] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(10), Checksum.Compute(result.AsSpan(0, IPv4Repr.HeaderLength + optionLength)));
        return result;
    }
}
