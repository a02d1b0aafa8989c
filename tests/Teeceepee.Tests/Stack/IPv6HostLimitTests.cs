using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// The IPv6 host's limits against a hand-driven peer on virtual time: overlapping fragments discard the whole
/// datagram (RFC 5722 §4), ICMPv6 errors are rate-limited (RFC 4443 §2.4 (f)), and both are counted by reason.
/// </summary>
public class IPv6HostLimitTests
{
    private static Ipv6Peer Create(Func<NetworkStackOptions, NetworkStackOptions>? configure = null)
    {
        var peer = new Ipv6Peer(configure);
        peer.Start();
        // The peer solicits the stack with its link-layer address, so the stack can answer without resolving.
        peer.Send(Ipv6Peer.Ndp(NdpRepr.NeighborSolicitation(Ipv6Peer.StackAddress, RawPeer.PeerMac), Ipv6Peer.PeerAddress, Ipv6Peer.StackAddress.SolicitedNode));
        peer.ReceivedPackets();
        return peer;
    }

    private static int EchoReplies(List<byte[]> packets) => packets.Count(p => Ipv6Peer.Icmpv6(p) is { Type: Icmpv6Type.EchoReply });

    [Fact]
    public async Task Fragments_Overlapping_DiscardTheDatagram_AndItsLaterFragments_ThenANewDatagramStillWorks()
    {
        await using var peer = Create();
        var echo = Ipv6Peer.EchoRequest(Ipv6Peer.PeerAddress, Ipv6Peer.StackAddress, 1, 1, 56); // 64 octets
        var (from, to) = (Ipv6Peer.PeerAddress, Ipv6Peer.StackAddress);

        peer.Send(Ipv6Peer.Fragment(from, to, IpProtocol.Icmpv6, 7, 0, true, echo.AsSpan(0, 32)));
        peer.Send(Ipv6Peer.Fragment(from, to, IpProtocol.Icmpv6, 7, 24, true, echo.AsSpan(24, 16))); // overlaps 24..32
        peer.Send(Ipv6Peer.Fragment(from, to, IpProtocol.Icmpv6, 7, 40, false, echo.AsSpan(40, 24)));
        peer.Raw.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, EchoReplies(peer.ReceivedPackets()));
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.FragmentOverlap]);
        // RFC 5722 §4: the rest of that datagram is dropped too, not reassembled into something else.
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.FragmentOfDiscardedDatagram]);
        Assert.Equal(0, peer.Stack.Stats.IPv6DatagramsReassembled);

        peer.Send(Ipv6Peer.Fragment(from, to, IpProtocol.Icmpv6, 8, 0, true, echo.AsSpan(0, 32)));
        peer.Send(Ipv6Peer.Fragment(from, to, IpProtocol.Icmpv6, 8, 32, false, echo.AsSpan(32, 32)));
        Assert.Equal(1, EchoReplies(peer.ReceivedPackets()));
        Assert.Equal(1, peer.Stack.Stats.IPv6DatagramsReassembled);
    }

    [Fact]
    public async Task ClosedPortFlood_Icmpv6ErrorsAreRateLimited_BurstThenRate_RestCounted()
    {
        await using var peer = Create(o => o with { IcmpErrorsPerSecond = 10, IcmpErrorBurst = 5 });
        var udp = new UdpRepr(5000, 9999, 4);
        var datagram = new byte[udp.BufferLength];
        udp.Emit(datagram, [1, 2, 3, 4], Ipv6Peer.PeerAddress, Ipv6Peer.StackAddress);
        var packet = Ipv6Peer.Packet(Ipv6Peer.PeerAddress, Ipv6Peer.StackAddress, IpProtocol.Udp, datagram);

        for (int i = 0; i < 40; i++)
            peer.Send(packet);
        int burst = peer.ReceivedPackets().Count(p => Ipv6Peer.Icmpv6(p) is { Type: Icmpv6Type.DestinationUnreachable });
        peer.Raw.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 40; i++)
            peer.Send(packet);
        int second = peer.ReceivedPackets().Count(p => Ipv6Peer.Icmpv6(p) is { Type: Icmpv6Type.DestinationUnreachable });

        // RFC 4443 §2.4 (f): a token bucket, its burst at once, then its rate.
        Assert.Equal(5, burst);
        Assert.InRange(second, 5, 10);
        Assert.Equal(80, peer.Stack.Stats.Drops[DropReason.PortUnreachable]);
        Assert.Equal(80 - burst - second, peer.Stack.Stats.Drops[DropReason.IcmpRateLimited]);
        Assert.Equal(burst + second, peer.Stack.Stats.Icmpv6Out[(byte)Icmpv6Type.DestinationUnreachable]);
    }
}
