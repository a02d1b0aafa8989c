using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tests.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Dhcp;

/// <summary>What DHCP needs from a stack that has no address yet (0.0.0.0), on hand-made frames.</summary>
public class UnconfiguredStackTests
{
    private static readonly IPv4Address s_offered = IPv4Address.Parse("198.18.0.77");

    private static RawPeer Unconfigured() => new(o => o with { Address = IPv4Address.Any });

    [Fact]
    public async Task UdpUnicastToAnyAddress_IsDelivered_WhileUnconfigured()
    {
        await using var peer = Unconfigured();
        using var socket = new UdpSocket(peer.Stack, 68);
        var receive = socket.ReceiveFromAsync(new byte[100]).AsTask();
        // An OFFER unicast to the address being offered, to our MAC (RFC 2131 §4.1).
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, RawPeer.Udp(67, 68, [1, 2, 3], s_offered), destination: s_offered)));
        var received = await receive.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, received.ReceivedBytes);
        Assert.Equal(RawPeer.PeerAddress, received.RemoteAddress);
    }

    [Fact]
    public async Task TcpToAnyAddress_IsStillDropped_WhileUnconfigured()
    {
        await using var peer = Unconfigured();
        var syn = new TcpRepr { SourcePort = 40000, DestinationPort = 80, SeqNumber = new SeqNumber(1), Control = TcpControl.Syn, WindowLength = 1000 };
        var segment = new byte[syn.BufferLength];
        syn.Emit(segment, RawPeer.PeerAddress, s_offered);
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Tcp, segment, destination: s_offered)));
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.NotForUs]);
        Assert.Empty(peer.Received());
    }

    [Fact]
    public async Task BroadcastFromUnconfiguredStack_LeavesFrom0000_ToEthernetBroadcast()
    {
        await using var peer = Unconfigured();
        using var socket = new UdpSocket(peer.Stack, 68);
        var send = socket.SendToAsync(new byte[] { 9 }, IPv4Address.Broadcast, 67).AsTask();
        peer.Advance(TimeSpan.Zero);
        Assert.Equal(1, await send.WaitAsync(TimeSpan.FromSeconds(5)));
        var frame = Assert.Single(peer.Received());
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.True(eth.Destination.IsBroadcast);
        Assert.True(IPv4Packet.TryParse(eth.Payload, out var ip, out _));
        Assert.Equal(IPv4Address.Any, ip.Source);
        Assert.Equal(IPv4Address.Broadcast, ip.Destination);
    }

    [Fact]
    public async Task ArpProbeFromAnotherHost_IsNotAConflict_WhileUnconfigured()
    {
        await using var peer = Unconfigured();
        var probe = new ArpRepr
        {
            Operation = ArpOperation.Request,
            SenderHardwareAddress = RawPeer.PeerMac,
            SenderProtocolAddress = IPv4Address.Any,
            TargetHardwareAddress = MacAddress.Zero,
            TargetProtocolAddress = s_offered,
        };
        var bytes = new byte[ArpRepr.HeaderLength];
        probe.Emit(bytes);
        peer.Send(RawPeer.Ethernet(EtherType.Arp, bytes, MacAddress.Broadcast));
        Assert.Equal(0, peer.Stack.Stats.Drops[DropReason.ArpAddressConflict]);
        Assert.Empty(peer.Received()); // and no reply: we own no address
    }

    [Fact]
    public async Task Configure_TakesTheAddress_AnnouncesIt_AndDropsOthers()
    {
        await using var peer = new RawPeer(o => o with { Address = IPv4Address.Any, SendGratuitousArp = true });
        peer.Advance(TimeSpan.Zero);
        await peer.Stack.ConfigureAsync(s_offered, 24, RawPeer.PeerAddress);
        Assert.Equal(s_offered, peer.Stack.Address);
        Assert.Equal(RawPeer.PeerAddress, peer.Stack.Gateway);
        // Gratuitous ARP (RFC 5227 §2.3): sender and target are the new address.
        var announce = Assert.Single(peer.Received());
        Assert.True(EthernetFrame.TryParse(announce, out var eth, out _));
        Assert.True(ArpPacket.TryParse(eth.Payload, out var arpPacket, out _));
        Assert.True(ArpRepr.TryParse(arpPacket, out var arp, out _));
        Assert.Equal(s_offered, arp.SenderProtocolAddress);
        Assert.Equal(s_offered, arp.TargetProtocolAddress);

        using var socket = new UdpSocket(peer.Stack, 68);
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, RawPeer.Udp(67, 68, [1], IPv4Address.Parse("198.18.0.78")), destination: IPv4Address.Parse("198.18.0.78"))));
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.NotForUs]);

        await peer.Stack.ConfigureAsync(IPv4Address.Any, 24, null);
        Assert.True(peer.Stack.Address.IsUnspecified);
        Assert.Null(peer.Stack.Gateway);
    }
}
