using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

public class FragmentSimulationTests
{
    private static IcmpPacket ParseIcmp(byte[] ip)
    {
        Assert.True(IPv4Packet.TryParse(ip, out var packet, out _));
        Assert.True(IcmpPacket.TryParse(ip.AsSpan(packet.HeaderLength), out var icmp, out _));
        return icmp;
    }

    private static byte[] Reassemble(List<byte[]> packets)
    {
        var data = new byte[65536];
        int total = 0;
        foreach (var p in packets)
        {
            Assert.True(IPv4Packet.TryParse(p, out var packet, out _));
            packet.Payload.CopyTo(data.AsSpan(packet.FragmentOffset));
            total = Math.Max(total, packet.FragmentOffset + packet.Payload.Length);
        }
        return data.AsSpan(0, total).ToArray();
    }

    [Fact]
    public async Task OutOfOrderFragments_AreReassembled_AndTheEchoReplyIsFragmented()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var echo = RawPeer.EchoRequest(0x1234, 9, 4000);
        var pieces = peer.Split(echo, 1480);
        int[] order = [2, 0, 1];
        foreach (int i in order)
        {
            var (off, more, data) = pieces[i];
            peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, data, off, more, identification: 77)));
        }

        var replies = RawPeer.IPv4Packets(peer.Received());
        Assert.Equal(3, replies.Count);
        var reply = Reassemble(replies);
        Assert.Equal(echo.Length, reply.Length);
        Assert.Equal((byte)IcmpType.EchoReply, reply[0]);
        Assert.Equal(echo.AsSpan(4).ToArray(), reply.AsSpan(4).ToArray()); // same id, seq and data
        Assert.Equal(0, Checksum.Compute(reply));
        var stats = peer.Stack.Stats;
        Assert.Equal(3, stats.FragmentsIn);
        Assert.Equal(1, stats.DatagramsReassembled);
        Assert.Equal(3, stats.FragmentsOut);
    }

    [Fact]
    public async Task OverlappingFragment_DropsTheWholeDatagram_AndIsCounted()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var echo = RawPeer.EchoRequest(1, 1, 2900);
        var first = echo.AsSpan(0, 1480).ToArray();
        var overlapping = echo.AsSpan(1472, 1432).ToArray();   // starts 8 octets inside the first
        var rest = echo.AsSpan(1480).ToArray();
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, first, 0, true, 5)));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, overlapping, 1472, true, 5)));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, rest, 1480, false, 5)));

        Assert.Empty(peer.Received());
        var drops = peer.Stack.Stats.Drops;
        Assert.Equal(1, drops[DropReason.FragmentOverlap]);
        Assert.Equal(1, drops[DropReason.FragmentOfDiscardedDatagram]);
        Assert.Equal(0, peer.Stack.Stats.DatagramsReassembled);
    }

    [Fact]
    public async Task DuplicateFragment_IsIgnored_AndTheDatagramCompletes()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var echo = RawPeer.EchoRequest(1, 2, 2000);
        var pieces = peer.Split(echo, 1480);
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, pieces[0].Data, 0, true, 6)));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, pieces[0].Data, 0, true, 6)));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, pieces[1].Data, 1480, false, 6)));
        Assert.Equal(2, RawPeer.IPv4Packets(peer.Received()).Count);
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.DuplicateFragment]);
    }

    [Fact]
    public async Task ReassemblyTimeout_FreesMemory_AndSendsTimeExceeded()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var echo = RawPeer.EchoRequest(1, 3, 3000);
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, echo.AsSpan(0, 1480), 0, true, 9)));
        Assert.Equal(30, (peer.Stack.PollAt() - peer.Now).TotalSeconds);
        Assert.Equal(1480, peer.Stack.ReassemblyHeldBytes);

        peer.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(peer.Received());
        peer.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, peer.Stack.ReassemblyHeldBytes);
        Assert.Equal(0, peer.Stack.ReassemblyCount);
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.ReassemblyTimeout]);
        var packets = RawPeer.IPv4Packets(peer.Received());
        var icmp = ParseIcmp(Assert.Single(packets));
        Assert.Equal(IcmpType.TimeExceeded, icmp.Type);
        Assert.Equal((byte)IcmpTimeExceededCode.ReassemblyTimeExceeded, icmp.Code);
        // The quote is the first fragment's header and 8 octets: the echo header.
        Assert.Equal(echo.AsSpan(0, 8).ToArray(), icmp.Data.Slice(20, 8).ToArray());
    }

    [Fact]
    public async Task ReassemblyTimeout_WithoutFirstFragment_SendsNothing()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var echo = RawPeer.EchoRequest(1, 3, 3000);
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, echo.AsSpan(1480, 1480), 1480, true, 9)));
        peer.Advance(TimeSpan.FromSeconds(31));
        Assert.Empty(peer.Received());
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.ReassemblyTimeout]);
    }

    [Fact]
    public async Task TooManyConcurrentReassemblies_EvictTheOldest_AndCount()
    {
        await using var peer = new RawPeer(o => o with { ReassemblyMaxDatagrams = 2 });
        peer.Introduce();
        var chunk = new byte[8];
        for (ushort id = 1; id <= 3; id++)
        {
            peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, chunk, 0, true, id)));
            peer.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.ReassemblyEvicted]);
        Assert.Equal(2, peer.Stack.ReassemblyCount);
        Assert.Equal(16, peer.Stack.ReassemblyHeldBytes);
        // The evicted one (id 1) is gone: its last fragment starts a fresh, incomplete datagram (evicting id 2).
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, chunk, 8, false, 1)));
        Assert.Equal(0, peer.Stack.Stats.DatagramsReassembled);
        Assert.Equal(2, peer.Stack.Stats.Drops[DropReason.ReassemblyEvicted]);
    }

    [Fact]
    public async Task ReassemblyByteLimit_IsEnforced()
    {
        await using var peer = new RawPeer(o => o with { ReassemblyMaxBytes = 3000 });
        peer.Introduce();
        var chunk = new byte[1480];
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, chunk, 0, true, 1)));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, chunk, 1480, true, 1)));
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, chunk, 2960, true, 1)));
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.ReassemblyLimit]);
        Assert.Equal(2960, peer.Stack.ReassemblyHeldBytes);

        // Another datagram's fragment makes room by evicting the older one.
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Udp, chunk, 0, true, 2)));
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.ReassemblyEvicted]);
        Assert.Equal(1480, peer.Stack.ReassemblyHeldBytes);
    }
}
