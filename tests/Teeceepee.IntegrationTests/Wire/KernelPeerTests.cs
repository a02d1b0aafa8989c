using System.Net;
using System.Net.Sockets;
using Teeceepee.Interop;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Wire;

/// <summary>
/// Frames built by our emitters are accepted by the Linux kernel, and the kernel's answers parse
/// with our views and verify with our checksums. Each test runs against a fresh namespace.
/// </summary>
public sealed class KernelPeerTests : IDisposable
{
    private readonly KernelPeer _peer = new();

    public void Dispose() => _peer.Dispose();

    [RootFact]
    public void Arp_KernelAnswersOurRequest()
    {
        var request = new ArpRepr
        {
            Operation = ArpOperation.Request,
            SenderHardwareAddress = KernelPeer.OurMac,
            SenderProtocolAddress = KernelPeer.OurAddress,
            TargetHardwareAddress = MacAddress.Zero,
            TargetProtocolAddress = KernelPeer.KernelAddress,
        };
        var frame = new byte[EthernetRepr.HeaderLength + ArpRepr.HeaderLength];
        new EthernetRepr(KernelPeer.OurMac, MacAddress.Broadcast, EtherType.Arp).Emit(frame);
        request.Emit(frame.AsSpan(EthernetRepr.HeaderLength));
        _peer.Send(frame);

        var reply = _peer.Receive(f => EthernetFrame.TryParse(f, out var eth, out _) && eth.EtherType == EtherType.Arp);
        Assert.True(EthernetFrame.TryParse(reply, out var ethernet, out _));
        Assert.True(EthernetRepr.TryParse(ethernet, out var ethRepr, out _));
        Assert.Equal(KernelPeer.OurMac, ethRepr.Destination);
        Assert.True(ArpPacket.TryParse(ethernet.Payload, out var packet, out var reason), reason.ToString());
        Assert.True(ArpRepr.TryParse(packet, out var arp, out _));
        Assert.Equal(new ArpRepr
        {
            Operation = ArpOperation.Reply,
            SenderHardwareAddress = _peer.KernelMac,
            SenderProtocolAddress = KernelPeer.KernelAddress,
            TargetHardwareAddress = KernelPeer.OurMac,
            TargetProtocolAddress = KernelPeer.OurAddress,
        }, arp);
        Assert.Equal(ethRepr.Source, arp.SenderHardwareAddress);
    }

    [RootFact]
    public void Echo_KernelAnswersOurRequest()
    {
        _peer.AddNeighbour();
        var data = new byte[100];
        Random.Shared.NextBytes(data);
        var icmp = IcmpRepr.EchoRequest(0x5151, 7, data.Length);
        _peer.Send(BuildIPv4(IpProtocol.Icmp, icmp.BufferLength, 0x1234, span => icmp.Emit(span, data)));

        var reply = ReceiveIPv4(IpProtocol.Icmp);
        Assert.True(IcmpPacket.TryParse(reply.Payload, out var packet, out var reason), reason.ToString());
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(IcmpRepr.EchoReply(0x5151, 7, data.Length), repr);
        Assert.Equal(data, packet.Data.ToArray());
    }

    [RootFact]
    public void FragmentedEcho_KernelReassemblesAndAnswersInFragments()
    {
        _peer.AddNeighbour();
        var data = new byte[3000];
        Random.Shared.NextBytes(data);
        var icmp = IcmpRepr.EchoRequest(0x5252, 1, data.Length);
        var message = new byte[icmp.BufferLength];
        icmp.Emit(message, data);

        // Fragments of 1480 octets (RFC 791 §3.2: multiples of 8), the last one without MF.
        for (int offset = 0; offset < message.Length; offset += 1480)
        {
            int length = Math.Min(1480, message.Length - offset);
            bool more = offset + length < message.Length;
            _peer.Send(BuildIPv4(IpProtocol.Icmp, length, 0x4242, span => message.AsSpan(offset, length).CopyTo(span), offset, more));
        }

        var reassembled = new byte[message.Length];
        int received = 0;
        while (received < message.Length)
        {
            var fragment = ReceiveIPv4(IpProtocol.Icmp);
            Assert.True(fragment.IsFragment);
            fragment.Payload.CopyTo(reassembled, fragment.FragmentOffset);
            received += fragment.Payload.Length;
        }
        Assert.True(IcmpPacket.TryParse(reassembled, out var packet, out var reason), reason.ToString());
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(IcmpRepr.EchoReply(0x5252, 1, data.Length), repr);
        Assert.Equal(data, packet.Data.ToArray());
    }

    [RootFact]
    public void Udp_ToClosedPort_KernelAcceptsChecksumAndAnswersPortUnreachable()
    {
        // Linux drops a datagram with a bad checksum before the port lookup, so the ICMP error proves
        // our checksum verified.
        _peer.AddNeighbour();
        var udp = new UdpRepr(40000, 9, 5);
        _peer.Send(BuildIPv4(IpProtocol.Udp, udp.BufferLength, 0x7777, span => udp.Emit(span, "probe"u8, KernelPeer.OurAddress, KernelPeer.KernelAddress)));

        var error = ReceiveIPv4(IpProtocol.Icmp);
        Assert.True(IcmpPacket.TryParse(error.Payload, out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out var reason), reason.ToString());
        Assert.Equal(IcmpType.DestinationUnreachable, repr.Type);
        Assert.Equal((byte)IcmpUnreachableCode.PortUnreachable, repr.Code);
        Assert.True(IPv4Packet.TryParseQuoted(packet.QuotedDatagram, out var quoted, out _));
        Assert.Equal(0x7777, quoted.Identification);
        Assert.True(UdpDatagram.TryParse(quoted.Payload, out var quotedUdp, out _));
        Assert.Equal(40000, quotedUdp.SourcePort);
        Assert.Equal(9, quotedUdp.DestinationPort);
    }

    [RootFact]
    public void Udp_ExchangesWithAKernelSocket()
    {
        _peer.AddNeighbour();
        using var socket = NetworkNamespace.Run($"/run/netns/{_peer.Namespace}", () =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(KernelPeer.KernelAddress.ToIPAddress(), 4000));
            return s;
        });
        socket.ReceiveTimeout = 3000;

        // Ours to the kernel: the socket only sees it if the checksum verified.
        var udp = new UdpRepr(4001, 4000, 13);
        _peer.Send(BuildIPv4(IpProtocol.Udp, udp.BufferLength, 1, span => udp.Emit(span, "from the TAP!"u8, KernelPeer.OurAddress, KernelPeer.KernelAddress)));
        var buffer = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = socket.ReceiveFrom(buffer, ref from);
        Assert.Equal("from the TAP!", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(new IPEndPoint(KernelPeer.OurAddress.ToIPAddress(), 4001), from);

        // The kernel's answer, checked by our parser.
        socket.SendTo("and back"u8.ToArray(), from);
        var reply = ReceiveIPv4(IpProtocol.Udp);
        Assert.True(UdpDatagram.TryParse(reply.Payload, out var datagram, out _));
        Assert.NotEqual(0, datagram.Checksum);
        Assert.True(UdpRepr.TryParse(datagram, reply.Source, reply.Destination, verifyChecksum: true, out var repr, out var reason), reason.ToString());
        Assert.Equal(new UdpRepr(4000, 4001, 8), repr);
        Assert.Equal("and back", System.Text.Encoding.ASCII.GetString(datagram.Payload));
    }

    /// <summary>Emits Ethernet + IPv4 around a payload that <paramref name="writePayload"/> writes in place.</summary>
    private byte[] BuildIPv4(IpProtocol protocol, int payloadLength, ushort id, SpanAction writePayload, int fragmentOffset = 0, bool moreFragments = false)
    {
        var ip = new IPv4Repr
        {
            Source = KernelPeer.OurAddress,
            Destination = KernelPeer.KernelAddress,
            Protocol = protocol,
            PayloadLength = payloadLength,
            TimeToLive = 64,
            Identification = id,
            FragmentOffset = fragmentOffset,
            MoreFragments = moreFragments,
        };
        var frame = new byte[EthernetRepr.HeaderLength + ip.BufferLength];
        writePayload(frame.AsSpan(EthernetRepr.HeaderLength + IPv4Repr.HeaderLength));
        ip.Emit(frame.AsSpan(EthernetRepr.HeaderLength));
        new EthernetRepr(KernelPeer.OurMac, _peer.KernelMac, EtherType.IPv4).Emit(frame);
        return frame;
    }

    private delegate void SpanAction(Span<byte> span);

    /// <summary>The next IPv4 packet of a protocol from the kernel, parsed with checksum verification.</summary>
    private ReceivedIPv4 ReceiveIPv4(IpProtocol protocol)
    {
        var frame = _peer.Receive(f => EthernetFrame.TryParse(f, out var eth, out _)
            && eth.EtherType == EtherType.IPv4
            && IPv4Packet.TryParse(eth.Payload, out var ip, out _)
            && ip.Protocol == protocol);
        Assert.True(EthernetFrame.TryParse(frame, out var ethernet, out _));
        Assert.True(IPv4Packet.TryParse(ethernet.Payload, verifyChecksum: true, out var packet, out _));
        Assert.Equal(KernelPeer.KernelAddress, packet.Source);
        Assert.Equal(KernelPeer.OurAddress, packet.Destination);
        return new ReceivedIPv4(packet.Source, packet.Destination, packet.IsFragment, packet.FragmentOffset, packet.Identification, packet.Payload.ToArray());
    }

    private sealed record ReceivedIPv4(IPv4Address Source, IPv4Address Destination, bool IsFragment, int FragmentOffset, ushort Identification, byte[] Payload);
}
