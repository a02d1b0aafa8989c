using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// Issue 13 item 3: an overloaded loop turn that answers only <see cref="NetworkStackOptions.OverloadSynBudget"/> of its
/// SYNs answers the likeliest real clients first: a retransmission of a SYN it shed (same addresses, ports and ISN),
/// a SYN to a port other than the one the flood aims at, a SYN with options among bare 20-octet ones; SYNs without any
/// of these get an eighth of the budget, and SYN cookies instead of connections. Every turn here
/// reads 64 frames of 100 queued, so it ends with frames waiting and is overloaded (<c>OverloadTurns = 1</c>).
/// </summary>
public class OverloadSynRankTests
{
    private const ushort FloodedPort = 8080;
    private const ushort OtherPort = 8081;
    private const ushort ClientPort = 40000;
    private static readonly SeqNumber ClientIsn = new(0x1234_5678);

    private static RawPeer Peer() => Peer(out _);

    private static RawPeer Peer(out TcpListenerQueue flooded)
    {
        var peer = new RawPeer(o => o with { IngressBudget = 64, OverloadSynBudget = 4, OverloadTurns = 1 });
        peer.Introduce();
        flooded = peer.Stack.Tcp.Listen(new TcpEndpoint(RawPeer.StackAddress, FloodedPort), backlog: 1024);
        peer.Stack.Tcp.Listen(new TcpEndpoint(RawPeer.StackAddress, OtherPort), backlog: 1024);
        return peer;
    }

    private static byte[] Syn(RawPeer peer, ushort sourcePort, ushort port, SeqNumber isn, bool options)
    {
        var tcp = new TcpRepr
        {
            SourcePort = sourcePort,
            DestinationPort = port,
            Control = TcpControl.Syn,
            SeqNumber = isn,
            WindowLength = 65535,
            MaxSegmentSize = options ? (ushort)1460 : null,
            SackPermitted = options,
        };
        var bytes = new byte[tcp.HeaderLength];
        tcp.Emit(bytes, RawPeer.PeerAddress, RawPeer.StackAddress);
        return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Tcp, bytes));
    }

    /// <summary>A flood's SYN: bare header, source port and ISN varying with <paramref name="i"/>.</summary>
    private static byte[] FloodSyn(RawPeer peer, int i, bool options = false) =>
        Syn(peer, (ushort)(1024 + i), FloodedPort, new SeqNumber((uint)(7919 * i)), options);

    /// <summary>Queues 100 SYNs, <paramref name="client"/> as the 41st (the first turn reads 64), and polls once.</summary>
    private static List<TcpRepr> Turn(RawPeer peer, byte[] client, int floodFrom, bool floodOptions = false)
    {
        for (int i = 0; i < 100; i++)
        {
            if (i == 40)
                Assert.True(peer.Link.TrySend(peer.Now, (ReadOnlySpan<byte>)client));
            else
                Assert.True(peer.Link.TrySend(peer.Now, (ReadOnlySpan<byte>)FloodSyn(peer, floodFrom + i, floodOptions)));
        }
        long shedBefore = peer.Stack.Stats.Drops[DropReason.SynDroppedOverload];
        peer.Stack.Poll(peer.Now);
        // Only this turn's SYNs' answers (SYN-RECEIVED connections of earlier turns retransmit theirs after 1 s).
        var answers = SynAcks(peer).FindAll(s => s.DestinationPort == ClientPort || s.DestinationPort - 1024 - floodFrom is >= 0 and < 100);
        // The turn read 64 SYNs and answered 4 (the budget), but at most 1 (an eighth of it, at least one) without a sign
        // of a real client: bare flood SYNs get 1 and the client's 1; SYNs with options fill the 4.
        int expected = floodOptions ? 4 : 2;
        Assert.Equal(expected, answers.Count);
        Assert.Equal(64 - expected, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload] - shedBefore);
        return answers;
    }

    /// <summary>The SYN-ACKs the stack sent since the last call.</summary>
    private static List<TcpRepr> SynAcks(RawPeer peer)
    {
        var list = new List<TcpRepr>();
        foreach (var packet in RawPeer.IPv4Packets(peer.Received()))
        {
            if (packet[9] == (byte)IpProtocol.Tcp && IPv4Packet.TryParse(packet, out var ip, out _) && TcpSegment.TryParse(ip.Payload, out var seg, out _)
                && TcpRepr.TryParse(seg, RawPeer.StackAddress, RawPeer.PeerAddress, true, out var tcp, out _) && tcp.Control == TcpControl.Syn)
                list.Add(tcp);
        }
        return list;
    }

    private static bool AnswersClient(List<TcpRepr> synAcks) => synAcks.Exists(s => s.DestinationPort == ClientPort && s.AckNumber == ClientIsn + 1);

    private static void Drain(RawPeer peer)
    {
        // The 36 SYNs left make a turn that is not overloaded: all answered, then forgotten.
        peer.Stack.Poll(peer.Now);
        peer.Discard();
    }

    [Fact]
    public async Task OverloadedTurn_SynWithOptionsAmongBareFloodSyns_IsAnswered()
    {
        await using var peer = Peer();
        var answers = Turn(peer, Syn(peer, ClientPort, FloodedPort, ClientIsn, options: true), floodFrom: 0);
        Assert.True(AnswersClient(answers), string.Join(", ", answers.Select(a => a.DestinationPort)));
    }

    [Fact]
    public async Task OverloadedTurn_BareFloodSynsItAnswers_GetSynCookies_OnlyTheClientGetsAConnection()
    {
        await using var peer = Peer(out var flooded);
        var answers = Turn(peer, Syn(peer, ClientPort, FloodedPort, ClientIsn, options: true), floodFrom: 0);
        // The one bare SYN answered got a cookie (RFC 4987 §3.6: the cookie SYN-ACK carries the MSS only), the client's a
        // SYN-RECEIVED connection that kept its options.
        Assert.Equal(1, peer.Stack.Tcp.ConnectionCount);
        Assert.Equal(1, flooded.SynCookiesSent);
        Assert.True(answers.Single(a => a.DestinationPort == ClientPort).SackPermitted);
    }

    [Fact]
    public async Task OverloadedTurn_SynToAPortTheFloodDoesNotAim_IsAnswered()
    {
        await using var peer = Peer();
        // Both bare: only the port tells them apart.
        var answers = Turn(peer, Syn(peer, ClientPort, OtherPort, ClientIsn, options: false), floodFrom: 0);
        Assert.True(AnswersClient(answers), string.Join(", ", answers.Select(a => a.DestinationPort)));
    }

    [Fact]
    public async Task ShedSyn_RetransmittedDuringTheFlood_IsAnswered_ASynWithAnotherIsnIsNot()
    {
        await using var peer = Peer();
        // A flood that looks like real clients (options, the same port): the client's first SYN is shed.
        var client = Syn(peer, ClientPort, FloodedPort, ClientIsn, options: true);
        Assert.False(AnswersClient(Turn(peer, client, floodFrom: 0, floodOptions: true)));
        Drain(peer);

        // The same addresses and ports with another ISN are no retransmission: shed like the flood's SYNs.
        peer.Now += TimeSpan.FromSeconds(1);
        var other = Syn(peer, ClientPort, FloodedPort, ClientIsn + 100_000, options: true);
        Assert.False(Turn(peer, other, floodFrom: 1000, floodOptions: true).Exists(s => s.DestinationPort == ClientPort));
        Drain(peer);

        // The retransmission (RFC 9293 §3.8.1: the same ISN) 2 s after the first SYN is answered before the flood's.
        peer.Now += TimeSpan.FromSeconds(1);
        Assert.True(AnswersClient(Turn(peer, client, floodFrom: 2000, floodOptions: true)));
    }

    [Fact]
    public void ShedSynFilter_RemembersForTwoToFourSeconds()
    {
        var filter = new ShedSynFilter();
        var t0 = Instant.FromMilliseconds(10_000);
        Assert.False(filter.Contains(t0, 42));
        filter.Add(t0, 42);
        Assert.True(filter.Contains(t0 + TimeSpan.FromSeconds(1), 42));
        Assert.True(filter.Contains(t0 + TimeSpan.FromMilliseconds(3900), 42)); // previous generation
        Assert.False(filter.Contains(t0 + TimeSpan.FromMilliseconds(4100), 42)); // two rotations: gone
        Assert.False(filter.Contains(t0 + TimeSpan.FromSeconds(1), 43));
        // A gap longer than two generations forgets everything at once.
        var t1 = t0 + TimeSpan.FromSeconds(20);
        filter.Add(t1, 7);
        Assert.True(filter.Contains(t1 + TimeSpan.FromSeconds(2.5), 7));
        Assert.False(filter.Contains(t1 + TimeSpan.FromSeconds(30), 7));
    }

    [Fact]
    public async Task ShedSyns_ThenTurnsWithoutSyns_FilterReleasedWithinFourSeconds()
    {
        await using var peer = Peer();
        Turn(peer, Syn(peer, ClientPort, FloodedPort, ClientIsn, options: true), floodFrom: 0);
        Assert.True(peer.Stack.HoldsShedSynFilter);
        Drain(peer);
        peer.Now += TimeSpan.FromSeconds(2.5);
        peer.Stack.Poll(peer.Now);
        Assert.True(peer.Stack.HoldsShedSynFilter); // the shed SYNs' generation is still the previous one
        peer.Now += TimeSpan.FromSeconds(2);
        peer.Stack.Poll(peer.Now);
        Assert.False(peer.Stack.HoldsShedSynFilter);
    }

    [Fact]
    public void ShedSynFilter_GenerationWithoutShedSyn_ReleasesItsArrays()
    {
        // Issue 13 item 2: 1 MiB while SYNs are being shed, nothing 2-4 s after the last one.
        var filter = new ShedSynFilter();
        var t0 = Instant.FromMilliseconds(10_000);
        Assert.False(filter.IsAllocated);
        filter.Add(t0, 42);
        Assert.True(filter.IsAllocated);
        filter.Add(t0 + TimeSpan.FromMilliseconds(2500), 43); // second generation
        filter.Expire(t0 + TimeSpan.FromMilliseconds(4100)); // third: the second still held one
        Assert.True(filter.IsAllocated);
        Assert.True(filter.Contains(t0 + TimeSpan.FromMilliseconds(4200), 43));
        Assert.False(filter.Contains(t0 + TimeSpan.FromMilliseconds(4200), 42));
        filter.Expire(t0 + TimeSpan.FromMilliseconds(6100)); // the third ended empty
        Assert.False(filter.IsAllocated);
        Assert.False(filter.Contains(t0 + TimeSpan.FromMilliseconds(6200), 43));
        filter.Add(t0 + TimeSpan.FromSeconds(7), 44);
        Assert.True(filter.Contains(t0 + TimeSpan.FromSeconds(8), 44));
    }
}
