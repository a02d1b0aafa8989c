using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>Mutated and truncated frames of every kind never throw out of the loop, and the stack keeps answering.</summary>
public class FuzzTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task MutatedFrames_NeverBreakTheStack(int seed)
    {
        await using var peer = new RawPeer(o => o with { Trace = null });
        peer.Introduce();
        using var udp = new Teeceepee.Sockets.UdpSocket(peer.Stack, 2000);
        peer.Stack.Tcp.Listen(new TcpEndpoint(RawPeer.StackAddress, 80));
        var templates = Templates(peer);
        var random = new Random(seed);
        var frame = new byte[1514];

        for (int i = 0; i < 20_000; i++)
        {
            var template = templates[random.Next(templates.Count)];
            int length = random.Next(4) == 0 ? random.Next(template.Length + 1) : template.Length;
            template.AsSpan(0, length).CopyTo(frame);
            int flips = random.Next(4);
            for (int f = 0; f < flips; f++)
            {
                // Mostly header bytes, where the parsers' decisions are.
                int at = random.Next(Math.Min(length, random.Next(2) == 0 ? 64 : length) + 1);
                if (at < length)
                    frame[at] = (byte)random.Next(256);
            }
            peer.Link.TrySend(peer.Now, frame.AsSpan(0, length));
            peer.Stack.Poll(peer.Now);
            peer.Discard();
            if (i % 1000 == 0)
                peer.Advance(TimeSpan.FromSeconds(random.Next(40)));
        }

        var stats = peer.Stack.Stats;
        Assert.Equal(0, stats.Drops[DropReason.InternalError]);
        Assert.True(stats.Drops.Total > 1000);
        peer.Introduce();
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(5, 6, 32))));
        var reply = Assert.Single(RawPeer.IPv4Packets(peer.Received()));
        Assert.Equal((byte)IcmpType.EchoReply, reply[20]);
    }

    private static List<byte[]> Templates(RawPeer peer)
    {
        var echo = RawPeer.EchoRequest(1, 1, 3000);
        var syn = new TcpRepr { SourcePort = 5555, DestinationPort = 80, Control = TcpControl.Syn, SeqNumber = new SeqNumber(1000), WindowLength = 65535, MaxSegmentSize = 1460, WindowScale = 7, SackPermitted = true };
        var synBytes = new byte[syn.BufferLength];
        syn.Emit(synBytes, RawPeer.PeerAddress, RawPeer.StackAddress);
        var arp = new ArpRepr { Operation = ArpOperation.Request, SenderHardwareAddress = RawPeer.PeerMac, SenderProtocolAddress = RawPeer.PeerAddress, TargetProtocolAddress = RawPeer.StackAddress };
        var arpBytes = new byte[ArpRepr.HeaderLength];
        arp.Emit(arpBytes);
        var unreachable = IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.PortUnreachable, 28);
        var quote = peer.IPv4(IpProtocol.Udp, RawPeer.Udp(2000, 9, new byte[8]), source: RawPeer.StackAddress, destination: RawPeer.PeerAddress);
        var icmpError = new byte[unreachable.BufferLength];
        unreachable.Emit(icmpError, quote.AsSpan(0, 28));
        return
        [
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 56))),
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, echo.AsSpan(0, 1480), 0, true, 9)),
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, echo.AsSpan(1480, 1480), 1480, true, 9)),
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, echo.AsSpan(2960), 2960, false, 9)),
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, RawPeer.Udp(1000, 2000, new byte[100]))),
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, RawPeer.Udp(1000, 3000, new byte[10]))),
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Tcp, synBytes)),
            RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, icmpError)),
            RawPeer.Ethernet(EtherType.Arp, arpBytes, MacAddress.Broadcast),
        ];
    }
}
