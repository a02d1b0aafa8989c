using Teeceepee.Stack.Ndp;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// RFC 1191 path MTU discovery for IPv4 TCP: DF on every segment, a fragmentation needed lowers the destination's
/// cached path MTU (which ages out after 10 minutes, §6.3) and the MSS of live and new connections to it.
/// </summary>
public class PathMtuDiscoveryTests
{
    private const ushort PeerPort = 80;
    private static readonly SeqNumber PeerIsn = new(5000);

    /// <summary>The TCP segments (IPv4 packet, parsed TCP header) among what the stack sent.</summary>
    private static List<(byte[] Packet, TcpRepr Tcp)> Segments(RawPeer peer)
    {
        var list = new List<(byte[], TcpRepr)>();
        foreach (var packet in RawPeer.IPv4Packets(peer.Received()))
        {
            Assert.True(IPv4Packet.TryParse(packet, out var ip, out _));
            if ((IpProtocol)packet[9] != IpProtocol.Tcp)
                continue;
            Assert.True(TcpSegment.TryParse(ip.Payload, out var seg, out _));
            Assert.True(TcpRepr.TryParse(seg, RawPeer.StackAddress, RawPeer.PeerAddress, true, out var tcp, out _));
            list.Add((packet, tcp));
        }
        return list;
    }

    private static void SendTcp(RawPeer peer, TcpRepr tcp)
    {
        var bytes = new byte[tcp.BufferLength];
        tcp.Emit(bytes, RawPeer.PeerAddress, RawPeer.StackAddress);
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Tcp, bytes)));
    }

    /// <summary>Opens a connection from the stack to the raw peer (which answers the SYN with MSS 1460); returns it ESTABLISHED.</summary>
    private static Tcb Open(RawPeer peer)
    {
        var tcb = peer.Stack.Tcp.Connect(peer.Now, RawPeer.StackAddress, new TcpEndpoint(RawPeer.PeerAddress, PeerPort),
            TcpConfig.Default with { Timestamps = false });
        peer.Stack.Poll(peer.Now);
        var syn = Assert.Single(Segments(peer)).Tcp;
        SendTcp(peer, new TcpRepr
        {
            SourcePort = PeerPort,
            DestinationPort = syn.SourcePort,
            Control = TcpControl.Syn,
            SeqNumber = PeerIsn,
            AckNumber = syn.SeqNumber + 1,
            WindowLength = 65535,
            MaxSegmentSize = 1460,
        });
        Assert.Equal(TcpState.Established, tcb.State);
        Segments(peer); // the handshake's ACK
        return tcb;
    }

    /// <summary>A router's fragmentation needed about <paramref name="packet"/> (its header and 8 octets, RFC 792).</summary>
    private static void FragmentationNeeded(RawPeer peer, byte[] packet, ushort nextHopMtu)
    {
        int quote = IPv4Repr.HeaderLength + 8;
        var icmp = IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.FragmentationNeeded, quote, nextHopMtu);
        var bytes = new byte[icmp.BufferLength];
        packet.AsSpan(0, quote).CopyTo(bytes.AsSpan(IcmpRepr.HeaderLength));
        icmp.Emit(bytes);
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, bytes, source: IPv4Address.Parse("198.18.0.254"))));
    }

    [Fact]
    public async Task Established_FullSegments_CarryDf_FragmentationNeededLowersThisAndNewConnections_ThenAgesOut()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var first = Open(peer);
        first.Send(new byte[4 * 1460]);
        peer.Stack.Poll(peer.Now);
        var data = Segments(peer);
        Assert.Equal(4, data.Count);
        Assert.All(data, d =>
        {
            Assert.True(IPv4Packet.TryParse(d.Packet, out var ip, out _));
            Assert.True(ip.DontFragment); // RFC 1191 §3
            Assert.Equal(1500, ip.TotalLength);
        });

        // A router on the way has an MTU of 1400 and says so.
        FragmentationNeeded(peer, data[0].Packet, 1400);
        Assert.Equal(1400, peer.Stack.PathMtu(peer.Now, RawPeer.PeerAddress));
        Assert.Equal(1360, first.SendMss);
        peer.Stack.Poll(peer.Now);
        var resent = Segments(peer);
        Assert.NotEmpty(resent);
        Assert.All(resent, r => Assert.True(r.Packet.Length <= 1400, $"a {r.Packet.Length}-octet packet after the error"));

        // A new connection to the same destination starts at the cached path MTU.
        var second = Open(peer);
        Assert.Equal(1360, second.SendMss);

        // RFC 1191 §6.3: the estimate ages out after 10 minutes; the link MTU is tried again.
        peer.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Equal(1500, peer.Stack.PathMtu(peer.Now, RawPeer.PeerAddress));
    }

    [Fact]
    public async Task FragmentationNeeded_QuotingASequenceNeverSent_IsIgnored()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var tcb = Open(peer);
        tcb.Send(new byte[1460]);
        peer.Stack.Poll(peer.Now);
        var packet = Assert.Single(Segments(peer)).Packet;
        // RFC 5927 §4.1: a blind attacker guesses the sequence number wrong; nothing may change.
        packet[IPv4Repr.HeaderLength + 4] ^= 0x80;
        FragmentationNeeded(peer, packet, 576);
        Assert.Equal(1500, peer.Stack.PathMtu(peer.Now, RawPeer.PeerAddress));
        Assert.Equal(1460, tcb.SendMss);
    }

    [Fact]
    public void Cache_IPv4_KeepsTheMinimumOf68_AndIgnoresIncreases()
    {
        var cache = new PathMtuCache(16, TimeSpan.FromMinutes(10), PathMtuCache.MinimumMtuIPv4);
        var dest = (NetAddress)IPv4Address.Parse("198.18.1.1");
        Assert.Equal(1500, cache.Get(Instant.Zero, dest, 1500));
        Assert.Equal(68, cache.Lower(Instant.Zero, dest, 20, 1500));
        Assert.Null(cache.Lower(Instant.Zero, dest, 1000, 1500));
        Assert.Equal(68, cache.Get(Instant.FromMilliseconds(599_999), dest, 1500));
        Assert.Equal(1500, cache.Get(Instant.FromMilliseconds(600_000), dest, 1500));
    }
}
