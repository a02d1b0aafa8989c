using System.Security.Cryptography;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Wire;

/// <summary>
/// IPv6 frames built by our emitters are accepted by the Linux kernel, and its answers parse with our
/// views and verify with our checksums. Each test runs against a fresh namespace on a random fd00::/48.
/// </summary>
public sealed class KernelPeerIPv6Tests : IDisposable
{
    private readonly KernelPeer _peer = new(ipv6: true);
    private readonly IPv6Address _kernel;
    private readonly IPv6Address _ours;

    public KernelPeerIPv6Tests()
    {
        // fd00::/8 with a random 40-bit global ID (RFC 4193 §3.2), subnet 0.
        Span<byte> id = stackalloc byte[8];
        RandomNumberGenerator.Fill(id);
        ulong prefix = (0xFDUL << 56) | (BitConverter.ToUInt64(id) & 0x00FF_FFFF_FFFF_0000UL);
        _kernel = new IPv6Address(prefix, 1);
        _ours = new IPv6Address(prefix, 2);
        _peer.AddIPv6(_kernel);
    }

    public void Dispose() => _peer.Dispose();

    [RootFact]
    public void NeighborSolicitation_KernelAdvertises()
    {
        var ns = NdpRepr.NeighborSolicitation(_kernel, KernelPeer.OurMac);
        _peer.Send(Build(_kernel.SolicitedNode, _kernel.SolicitedNode.MulticastMac, IpProtocol.Icmpv6, ns.BufferLength,
            span => ns.Emit(span, _ours, _kernel.SolicitedNode), hopLimit: 255));

        var (ip, message) = Receive(IpProtocol.Icmpv6, m => m[0] == (byte)Icmpv6Type.NeighborAdvertisement);
        Assert.Equal(255, ip.HopLimit);
        Assert.True(Icmpv6Packet.TryParse(message, ip.Source, ip.Destination, out var packet, out var reason), reason.ToString());
        Assert.True(NdpRepr.TryParse(packet, out var na, out reason), reason.ToString());
        Assert.Equal(_kernel, na.TargetAddress);
        Assert.True(na.Solicited);
        Assert.Equal(_peer.KernelMac, na.TargetLinkLayerAddress);
        Assert.Equal(_ours, ip.Destination);
    }

    [RootFact]
    public void Echo_KernelAnswersOurRequest()
    {
        _peer.AddIPv6Neighbour(_ours);
        var data = RandomNumberGenerator.GetBytes(100);
        var echo = Icmpv6Repr.EchoRequest(0x6161, 3, data.Length);
        _peer.Send(Build(_kernel, _peer.KernelMac, IpProtocol.Icmpv6, echo.BufferLength, span => echo.Emit(span, data, _ours, _kernel)));

        var (ip, message) = Receive(IpProtocol.Icmpv6, m => m[0] == (byte)Icmpv6Type.EchoReply);
        Assert.True(Icmpv6Packet.TryParse(message, ip.Source, ip.Destination, out var packet, out var reason), reason.ToString());
        Assert.True(Icmpv6Repr.TryParse(packet, out var reply, out _));
        Assert.Equal(Icmpv6Repr.EchoReply(0x6161, 3, data.Length), reply);
        Assert.Equal(data, packet.Data.ToArray());
    }

    [RootFact]
    public void FragmentedEcho_KernelReassemblesAndAnswersInFragments()
    {
        _peer.AddIPv6Neighbour(_ours);
        var data = RandomNumberGenerator.GetBytes(4000);
        var echo = Icmpv6Repr.EchoRequest(0x6262, 1, data.Length);
        var message = new byte[echo.BufferLength];
        echo.Emit(message, data, _ours, _kernel);

        // Fragments of 1232 octets (a multiple of 8 that fits 1280 with the headers), RFC 8200 §4.5.
        const int chunk = 1232;
        for (int offset = 0; offset < message.Length; offset += chunk)
        {
            int length = Math.Min(chunk, message.Length - offset);
            var fragment = new IPv6FragmentInfo(IpProtocol.Icmpv6, offset, offset + length < message.Length, 0xFEED0001);
            int at = offset;
            _peer.Send(Build(_kernel, _peer.KernelMac, IpProtocol.IPv6Fragment, 8 + length, span =>
            {
                fragment.Emit(span);
                message.AsSpan(at, length).CopyTo(span[8..]);
            }));
        }

        var reassembled = new byte[message.Length];
        int received = 0;
        while (received < message.Length)
        {
            var frame = _peer.Receive(f => EthernetFrame.TryParse(f, out var eth, out _) && eth.EtherType == EtherType.IPv6
                && IPv6Packet.TryParse(eth.Payload, out var p, out _) && p.NextHeader == IpProtocol.IPv6Fragment);
            Assert.True(IPv6Packet.TryParse(frame.AsSpan(14), out var ip, out _));
            Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out var reason), reason.ToString());
            var info = chain.Fragment!.Value;
            Assert.Equal(IpProtocol.Icmpv6, info.NextHeader);
            var payload = ip.Buffer[(info.HeaderOffset + 8)..];
            payload.CopyTo(reassembled.AsSpan(info.Offset));
            received += payload.Length;
        }
        Assert.True(Icmpv6Packet.TryParse(reassembled, _kernel, _ours, out var packet, out var why), why.ToString());
        Assert.True(Icmpv6Repr.TryParse(packet, out var reply, out _));
        Assert.Equal(Icmpv6Repr.EchoReply(0x6262, 1, data.Length), reply);
        Assert.Equal(data, packet.Data.ToArray());
    }

    [RootFact]
    public void Udp_ToClosedPort_KernelAcceptsChecksumAndAnswersPortUnreachable()
    {
        // Linux drops a datagram with a bad checksum before the port lookup: the error proves ours verified.
        _peer.AddIPv6Neighbour(_ours);
        var udp = new UdpRepr(40006, 9, 5);
        var datagram = Build(_kernel, _peer.KernelMac, IpProtocol.Udp, udp.BufferLength, span => udp.Emit(span, "probe"u8, _ours, _kernel));

        var (ip, message) = SendUntilAnswered(datagram, IpProtocol.Icmpv6, m => m[0] == (byte)Icmpv6Type.DestinationUnreachable);
        Assert.True(Icmpv6Packet.TryParse(message, ip.Source, ip.Destination, out var packet, out var reason), reason.ToString());
        Assert.True(Icmpv6Repr.TryParse(packet, out var error, out _));
        Assert.Equal((byte)Icmpv6UnreachableCode.PortUnreachable, error.Code);
        Assert.True(IPv6Packet.TryParseQuoted(packet.QuotedPacket, out var quoted, out _));
        Assert.True(IPv6HeaderChain.TryParse(quoted.Buffer, 8, 1024, out var chain, out _));
        Assert.Equal(IpProtocol.Udp, chain.UpperLayer);
        Assert.True(UdpDatagram.TryParse(quoted.Buffer[chain.UpperLayerOffset..], out var quotedUdp, out _));
        Assert.Equal(40006, quotedUdp.SourcePort);
    }

    [RootFact]
    public void RoutingType0_KernelAnswersParameterProblemAtTheType()
    {
        _peer.AddIPv6Neighbour(_ours);
        var echo = Icmpv6Repr.EchoRequest(0x6363, 1, 0);
        var packet0 = Build(_kernel, _peer.KernelMac, IpProtocol.IPv6Routing, 24 + echo.BufferLength, span =>
        {
            // RFC 8200 §4.4: next header, length 2 (24 octets), type 0, segments left 1, reserved, one address.
            span[..24].Clear();
            span[0] = (byte)IpProtocol.Icmpv6;
            span[1] = 2;
            span[3] = 1;
            _ours.WriteTo(span[8..]);
            echo.Emit(span[24..], _ours, _ours);   // its checksum does not matter: the kernel stops at the routing header
        });

        var (ip, message) = SendUntilAnswered(packet0, IpProtocol.Icmpv6, m => m[0] == (byte)Icmpv6Type.ParameterProblem);
        Assert.True(Icmpv6Packet.TryParse(message, ip.Source, ip.Destination, out var packet, out var reason), reason.ToString());
        Assert.True(Icmpv6Repr.TryParse(packet, out var problem, out _));
        // Our walk reaches the same verdict on the packet the kernel quotes.
        Assert.True(IPv6Packet.TryParseQuoted(packet.QuotedPacket, out var quoted, out _));
        Assert.False(IPv6HeaderChain.TryParse(quoted.Buffer, 8, 1024, out var chain, out reason));
        Assert.Equal(WireError.RoutingType0, reason);
        Assert.Equal((byte)chain.ProblemCode, problem.Code);
        Assert.Equal((uint)chain.ProblemPointer, problem.Pointer);
    }

    /// <summary>
    /// Sends <paramref name="frame"/> and waits for the kernel's ICMPv6 error; up to three times, since the kernel may
    /// rate-limit an error (RFC 4443 §2.4) or a loaded machine delay it. A frame the kernel rejects is never answered.
    /// </summary>
    private (Received Ip, byte[] Upper) SendUntilAnswered(byte[] frame, IpProtocol protocol, Func<byte[], bool> accept)
    {
        for (int attempt = 1; ; attempt++)
        {
            _peer.Send(frame);
            try
            {
                return Receive(protocol, accept);
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }
    }

    private delegate void SpanAction(Span<byte> span);

    private byte[] Build(IPv6Address destination, MacAddress destinationMac, IpProtocol next, int payloadLength, SpanAction writePayload, byte hopLimit = 64)
    {
        var ip = new IPv6Repr { Source = _ours, Destination = destination, NextHeader = next, PayloadLength = payloadLength, HopLimit = hopLimit };
        var frame = new byte[EthernetRepr.HeaderLength + ip.BufferLength];
        writePayload(frame.AsSpan(EthernetRepr.HeaderLength + IPv6Repr.HeaderLength));
        ip.Emit(frame.AsSpan(EthernetRepr.HeaderLength));
        new EthernetRepr(KernelPeer.OurMac, destinationMac, EtherType.IPv6).Emit(frame);
        return frame;
    }

    private sealed record Received(IPv6Address Source, IPv6Address Destination, byte HopLimit);

    /// <summary>The next IPv6 packet from the kernel whose upper layer is <paramref name="protocol"/> and passes <paramref name="accept"/>.</summary>
    private (Received Ip, byte[] Upper) Receive(IpProtocol protocol, Func<byte[], bool> accept)
    {
        byte[]? upper = null;
        var frame = _peer.Receive(f =>
        {
            if (!EthernetFrame.TryParse(f, out var eth, out _) || eth.EtherType != EtherType.IPv6
                || !IPv6Packet.TryParse(eth.Payload, out var p, out _) || !IPv6HeaderChain.TryParse(p, out var chain, out _)
                || chain.UpperLayer != protocol || !chain.HasUpperLayer)
                return false;
            var candidate = p.Buffer[chain.UpperLayerOffset..].ToArray();
            if (!accept(candidate))
                return false;
            upper = candidate;
            return true;
        });
        Assert.True(IPv6Packet.TryParse(frame.AsSpan(14), out var ip, out _));
        return (new Received(ip.Source, ip.Destination, ip.HopLimit), upper!);
    }
}
