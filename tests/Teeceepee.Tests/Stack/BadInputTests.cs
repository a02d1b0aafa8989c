using System.Buffers.Binary;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>Malformed and unwanted frames are dropped, counted by reason and traced; the stack keeps answering.</summary>
public class BadInputTests
{
    public static TheoryData<string, DropReason> Cases => new()
    {
        { "truncated ethernet", DropReason.TruncatedHeader },
        { "vlan tag", DropReason.UnsupportedVlan },
        { "ipv6 ethertype", DropReason.UnsupportedEtherType },
        { "other station's mac", DropReason.NotOurMac },
        { "own mac as source", DropReason.OwnFrameLooped },
        { "arp for another host", DropReason.ArpNotForUs },
        { "arp operation 3", DropReason.UnsupportedArpOperation },
        { "arp hardware type 6", DropReason.UnsupportedArpFormat },
        { "arp truncated", DropReason.TruncatedHeader },
        { "arp claiming our address", DropReason.ArpAddressConflict },
        { "ipv4 truncated", DropReason.TruncatedHeader },
        { "ipv4 version 6", DropReason.BadVersion },
        { "ipv4 ihl 4", DropReason.BadHeaderLength },
        { "ipv4 ihl past the packet", DropReason.BadHeaderLength },
        { "ipv4 total length past the frame", DropReason.BadTotalLength },
        { "ipv4 bad header checksum", DropReason.BadChecksum },
        { "ipv4 broadcast source", DropReason.BadSourceAddress },
        { "ipv4 for another host", DropReason.NotForUs },
        { "ipv4 protocol 99", DropReason.UnknownProtocol },
        { "icmp bad checksum", DropReason.BadChecksum },
        { "icmp timestamp request", DropReason.UnsupportedIcmp },
        { "icmp echo to broadcast", DropReason.BroadcastEcho },
        { "udp bad checksum", DropReason.BadChecksum },
        { "udp length past the packet", DropReason.BadUdpLength },
        { "udp truncated", DropReason.TruncatedHeader },
        { "udp to closed port", DropReason.PortUnreachable },
        { "fragment not a multiple of 8", DropReason.BogusFragment },
        { "fragment past 65535 (ping of death)", DropReason.OversizeDatagram },
        { "unmatched echo reply", DropReason.IcmpUnmatched },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadFrame_IsDroppedAndCounted_AndTheStackStillAnswers(string name, DropReason expected)
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        long before = peer.Stack.Stats.Drops.Total;

        peer.Send(Build(peer, name));

        var drops = peer.Stack.Stats.Drops;
        Assert.Equal(1, drops[expected]);
        Assert.Equal(before + 1, drops.Total);
        Assert.Contains(peer.Log, line => line.Contains($"drop", StringComparison.Ordinal) && line.Contains(expected.ToString(), StringComparison.Ordinal));
        peer.Received();

        // Still alive: a well-formed echo request gets its reply.
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(5, 6, 32))));
        var reply = Assert.Single(RawPeer.IPv4Packets(peer.Received()));
        Assert.Equal((byte)IcmpType.EchoReply, reply[20]);
    }

    [Fact]
    public async Task UnknownProtocol_IsAnsweredWithProtocolUnreachable()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        peer.Send(Build(peer, "ipv4 protocol 99"));
        var reply = Assert.Single(RawPeer.IPv4Packets(peer.Received()));
        Assert.True(IPv4Packet.TryParse(reply, out var ip, out _));
        Assert.True(IcmpPacket.TryParse(ip.Payload, out var icmp, out _));
        Assert.Equal(IcmpType.DestinationUnreachable, icmp.Type);
        Assert.Equal((byte)IcmpUnreachableCode.ProtocolUnreachable, icmp.Code);
    }

    private static byte[] Build(RawPeer peer, string name)
    {
        byte[] ip;
        byte[] frame;
        switch (name)
        {
            case "truncated ethernet":
                return new byte[10];
            case "vlan tag":
                return RawPeer.Ethernet((EtherType)0x8100, new byte[46]);
            case "ipv6 ethertype":
                return RawPeer.Ethernet((EtherType)0x86DD, new byte[46]);
            case "other station's mac":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 8)), MacAddress.Parse("02:00:00:00:00:99"));
            case "own mac as source":
                frame = RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 8)));
                RawPeer.StackMac.WriteTo(frame.AsSpan(6));
                return frame;
            case "arp for another host":
                return Arp(ArpOperation.Request, RawPeer.PeerAddress, IPv4Address.Parse("198.18.0.50"));
            case "arp operation 3":
                frame = Arp(ArpOperation.Request, RawPeer.PeerAddress, RawPeer.StackAddress);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 6), 3);
                return frame;
            case "arp hardware type 6":
                frame = Arp(ArpOperation.Request, RawPeer.PeerAddress, RawPeer.StackAddress);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), 6);
                return frame;
            case "arp truncated":
                return Arp(ArpOperation.Request, RawPeer.PeerAddress, RawPeer.StackAddress).AsSpan(0, 14 + 20).ToArray();
            case "arp claiming our address":
                return Arp(ArpOperation.Request, RawPeer.StackAddress, RawPeer.StackAddress);
            case "ipv4 truncated":
                return RawPeer.Ethernet(EtherType.IPv4, new byte[] { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1 });
            case "ipv4 version 6":
                ip = Echo(peer);
                ip[0] = 0x65;
                return IPv4Frame(ip, fixChecksum: true);
            case "ipv4 ihl 4":
                ip = Echo(peer);
                ip[0] = 0x44;
                return IPv4Frame(ip, fixChecksum: false);
            case "ipv4 ihl past the packet":
                ip = peer.IPv4(IpProtocol.Icmp, new byte[8]);
                ip[0] = 0x4F;
                return IPv4Frame(ip, fixChecksum: false);
            case "ipv4 total length past the frame":
                ip = Echo(peer);
                BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)(ip.Length + 100));
                return IPv4Frame(ip, fixChecksum: true);
            case "ipv4 bad header checksum":
                ip = Echo(peer);
                ip[10] ^= 0x55;
                return IPv4Frame(ip, fixChecksum: false);
            case "ipv4 broadcast source":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 8), source: IPv4Address.Broadcast));
            case "ipv4 for another host":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 8), destination: IPv4Address.Parse("198.18.0.77")));
            case "ipv4 protocol 99":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4((IpProtocol)99, new byte[16]));
            case "icmp bad checksum":
                var echo = RawPeer.EchoRequest(1, 1, 8);
                echo[2] ^= 0xFF;
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, echo));
            case "icmp timestamp request":
                var ts = new byte[20];
                ts[0] = 13;
                BinaryPrimitives.WriteUInt16BigEndian(ts.AsSpan(2), Checksum.Compute(ts));
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, ts));
            case "icmp echo to broadcast":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 8), destination: IPv4Address.Broadcast), MacAddress.Broadcast);
            case "udp bad checksum":
                var udp = RawPeer.Udp(1000, 2000, new byte[] { 1, 2, 3 });
                udp[6] ^= 0x0F;
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, udp));
            case "udp length past the packet":
                udp = RawPeer.Udp(1000, 2000, new byte[] { 1, 2, 3 });
                BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), 200);
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, udp));
            case "udp truncated":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, new byte[4]));
            case "udp to closed port":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, RawPeer.Udp(1000, 2000, new byte[] { 1 })));
            case "fragment not a multiple of 8":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, new byte[13], 0, moreFragments: true));
            case "fragment past 65535 (ping of death)":
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, new byte[100], 65480, moreFragments: false));
            case "unmatched echo reply":
                var r = IcmpRepr.EchoReply(9, 9, 0);
                var bytes = new byte[r.BufferLength];
                r.Emit(bytes);
                return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, bytes));
            default:
                throw new ArgumentException(name);
        }
    }

    private static byte[] Echo(RawPeer peer) => peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 8));

    private static byte[] IPv4Frame(byte[] ip, bool fixChecksum)
    {
        if (fixChecksum)
        {
            int headerLength = Math.Max(20, (ip[0] & 0xF) * 4);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), 0);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), Checksum.Compute(ip.AsSpan(0, headerLength)));
        }
        return RawPeer.Ethernet(EtherType.IPv4, ip);
    }

    private static byte[] Arp(ArpOperation op, IPv4Address sender, IPv4Address target)
    {
        var arp = new ArpRepr
        {
            Operation = op,
            SenderHardwareAddress = RawPeer.PeerMac,
            SenderProtocolAddress = sender,
            TargetHardwareAddress = MacAddress.Zero,
            TargetProtocolAddress = target,
        };
        var bytes = new byte[ArpRepr.HeaderLength];
        arp.Emit(bytes);
        return RawPeer.Ethernet(EtherType.Arp, bytes, MacAddress.Broadcast);
    }
}
