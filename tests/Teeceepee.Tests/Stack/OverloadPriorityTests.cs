using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// Issue 13 item 3: a loop turn processes the frames of existing flows before the bare SYNs it read, and a turn that
/// could not drain the link answers at most <see cref="NetworkStackOptions.OverloadSynBudget"/> SYNs, dropping the rest
/// unanswered as <see cref="DropReason.SynDroppedOverload"/>. Frames are queued on the wire first, then one poll runs.
/// </summary>
public class OverloadPriorityTests
{
    private const ushort PeerPort = 80;
    private const ushort ListenPort = 8080;
    private static readonly SeqNumber PeerIsn = new(5000);

    private static RawPeer Peer(int ingressBudget, int synBudget, bool defer = true, int overloadTurns = 1)
    {
        var peer = new RawPeer(o => o with { IngressBudget = ingressBudget, OverloadSynBudget = synBudget, DeferSyns = defer, OverloadTurns = overloadTurns });
        peer.Introduce();
        peer.Stack.Tcp.Listen(new TcpEndpoint(RawPeer.StackAddress, ListenPort), backlog: 1024);
        return peer;
    }

    private static List<TcpRepr> Segments(RawPeer peer)
    {
        var list = new List<TcpRepr>();
        foreach (var packet in RawPeer.IPv4Packets(peer.Received()))
        {
            if (packet[9] == (byte)IpProtocol.Tcp && IPv4Packet.TryParse(packet, out var ip, out _) && TcpSegment.TryParse(ip.Payload, out var seg, out _)
                && TcpRepr.TryParse(seg, RawPeer.StackAddress, RawPeer.PeerAddress, true, out var tcp, out _))
                list.Add(tcp);
        }
        return list;
    }

    private static byte[] Frame(RawPeer peer, TcpRepr tcp, ReadOnlySpan<byte> payload = default)
    {
        var bytes = new byte[tcp.HeaderLength + payload.Length];
        (tcp with { PayloadLength = payload.Length }).Emit(bytes, payload, RawPeer.PeerAddress, RawPeer.StackAddress);
        return RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Tcp, bytes));
    }

    private static void Queue(RawPeer peer, byte[] frame) => Assert.True(peer.Link.TrySend(peer.Now, (ReadOnlySpan<byte>)frame));

    /// <summary>An active open from the stack to the peer, answered by hand: ESTABLISHED.</summary>
    private static (Tcb Tcb, SeqNumber SendNext) Open(RawPeer peer)
    {
        var tcb = peer.Stack.Tcp.Connect(peer.Now, RawPeer.StackAddress, new TcpEndpoint(RawPeer.PeerAddress, PeerPort), TcpConfig.Default with { Timestamps = false });
        peer.Stack.Poll(peer.Now);
        var syn = Assert.Single(Segments(peer));
        Queue(peer, Frame(peer, new TcpRepr
        {
            SourcePort = PeerPort,
            DestinationPort = syn.SourcePort,
            Control = TcpControl.Syn,
            SeqNumber = PeerIsn,
            AckNumber = syn.SeqNumber + 1,
            WindowLength = 65535,
            MaxSegmentSize = 1460,
        }));
        peer.Stack.Poll(peer.Now);
        Assert.Equal(TcpState.Established, tcb.State);
        Segments(peer);
        return (tcb, syn.SeqNumber + 1);
    }

    private static byte[] Syn(RawPeer peer, int i) => Frame(peer, new TcpRepr
    {
        SourcePort = (ushort)(20000 + i),
        DestinationPort = ListenPort,
        Control = TcpControl.Syn,
        SeqNumber = new SeqNumber((uint)(1000 * i)),
        WindowLength = 65535,
        MaxSegmentSize = 1460,
    });

    private static byte[] DataAndFin(RawPeer peer, (Tcb Tcb, SeqNumber SendNext) flow, ReadOnlySpan<byte> data) => Frame(peer, new TcpRepr
    {
        SourcePort = PeerPort,
        DestinationPort = flow.Tcb.LocalPort,
        Control = TcpControl.Fin,
        SeqNumber = PeerIsn + 1,
        AckNumber = flow.SendNext,
        WindowLength = 65535,
    }, data);

    private static int SynAcks(List<TcpRepr> segments) => segments.Count(s => s.Control == TcpControl.Syn && s.SourcePort == ListenPort);

    /// <summary>SYN-ACKs to the SYNs <c>Syn(peer, from)</c> .. <c>Syn(peer, from + count - 1)</c> (not earlier SYNs' retransmitted ones).</summary>
    private static int SynAcks(List<TcpRepr> segments, int from, int count) =>
        segments.Count(s => s.Control == TcpControl.Syn && s.SourcePort == ListenPort && s.DestinationPort - 20000 - from is var i && i >= 0 && i < count);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EstablishedFlow_BehindABurstOfSyns_IsProcessedFirst_OnlyWhenDeferring(bool defer)
    {
        await using var peer = Peer(ingressBudget: 1024, synBudget: 8, defer);
        var flow = Open(peer);
        var tcb = flow.Tcb;
        peer.Log.Clear();
        for (int i = 0; i < 50; i++)
            Queue(peer, Syn(peer, i));
        Queue(peer, DataAndFin(peer, flow, "request"u8));

        peer.Stack.Poll(peer.Now);

        // The flow's FIN moved it to CLOSE-WAIT; each SYN made a SYN-RECEIVED connection. Which came first?
        int closeWait = peer.Log.FindIndex(l => l.Contains("CloseWait", StringComparison.Ordinal));
        int firstSynReceived = peer.Log.FindIndex(l => l.Contains("SynReceived", StringComparison.Ordinal));
        Assert.True(closeWait >= 0 && firstSynReceived >= 0, string.Join('\n', peer.Log));
        Assert.Equal(defer, closeWait < firstSynReceived);
        Assert.Equal(TcpState.CloseWait, tcb.State);
        var buffer = new byte[64];
        Assert.Equal("request"u8.ToArray(), buffer.AsSpan(0, tcb.Receive(buffer)).ToArray());
        // The link was drained in one turn (51 frames, budget 1024): every SYN is answered.
        Assert.Equal(50, SynAcks(Segments(peer)));
        Assert.Equal(0, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload]);
    }

    [Fact]
    public async Task OverloadedTurn_SynsPastTheBudget_DroppedUnansweredAndCounted_FlowStillServed()
    {
        await using var peer = Peer(ingressBudget: 64, synBudget: 8);
        var flow = Open(peer);
        // 100 SYNs with the flow's data and FIN among them: the first turn reads 64 frames (63 SYNs and the FIN) and
        // leaves 37 SYNs waiting, so it is overloaded.
        for (int i = 0; i < 100; i++)
        {
            if (i == 40)
                Queue(peer, DataAndFin(peer, flow, "request"u8));
            Queue(peer, Syn(peer, i));
        }

        peer.Stack.Poll(peer.Now);

        Assert.Equal(TcpState.CloseWait, flow.Tcb.State);
        Assert.Equal(8, SynAcks(Segments(peer)));
        Assert.Equal(63 - 8, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload]);
        // The next turn drains the 37 SYNs left but is still overloaded (OverloadHold): 8 answered.
        peer.Stack.Poll(peer.Now);
        Assert.Equal(8, SynAcks(Segments(peer)));
        Assert.Equal(63 - 8 + 37 - 8, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload]);
    }

    [Fact]
    public async Task BacklogShorterThanOverloadTurns_EverySynAnswered_SustainedBacklogSheds()
    {
        await using var peer = Peer(ingressBudget: 16, synBudget: 2, overloadTurns: 3);
        // 40 SYNs: turns read 16, 16 and 8; the first two end with frames waiting, the third drains: never 3 in a row.
        for (int i = 0; i < 40; i++)
            Queue(peer, Syn(peer, i));
        for (int turn = 0; turn < 3; turn++)
            peer.Stack.Poll(peer.Now);
        Assert.Equal(40, SynAcks(Segments(peer)));
        Assert.Equal(0, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload]);

        // 100 more: turns 1 and 2 answer all 16, turn 3 (three backlogged turns in a row) answers 2 of 16, turn 4 too,
        // and so on until a turn drains the link.
        for (int i = 0; i < 100; i++)
            Queue(peer, Syn(peer, 100 + i));
        for (int turn = 0; turn < 7; turn++)
            peer.Stack.Poll(peer.Now);
        // Reads: 16 16 16 16 16 16 4; backlogged turns 1-6, overloaded from the 3rd through the 6th; the 7th drains the
        // link but is still overloaded (OverloadHold: the 6th shed SYNs a moment ago), so it answers 2 of its 4.
        Assert.Equal(16 + 16 + 4 * 2 + 2, SynAcks(Segments(peer)));
        Assert.Equal(4 * 14 + 2, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload]);

        // A second later without a backlog or a shed SYN, overload is over: a turn answers all of its 10 SYNs.
        peer.Now += TimeSpan.FromMilliseconds(1001);
        for (int i = 0; i < 10; i++)
            Queue(peer, Syn(peer, 300 + i));
        peer.Stack.Poll(peer.Now);
        Assert.Equal(10, SynAcks(Segments(peer), 300, 10));
        Assert.Equal(4 * 14 + 2, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload]);
    }

    [Fact]
    public async Task Overloaded_DrainedTurnsThatKeepShedding_StayOverloaded_UntilASecondPassesWithoutShedding()
    {
        await using var peer = Peer(ingressBudget: 16, synBudget: 2, overloadTurns: 1);
        for (int i = 0; i < 20; i++)
            Queue(peer, Syn(peer, i));
        peer.Stack.Poll(peer.Now); // backlogged: overloaded, 2 of 16 answered
        peer.Stack.Poll(peer.Now); // drains (4): still overloaded, 2 answered
        Assert.Equal(4, SynAcks(Segments(peer)));
        // Every 0.6 s a drained turn with 5 SYNs sheds 3, which holds the overload for another second.
        for (int round = 0; round < 4; round++)
        {
            peer.Now += TimeSpan.FromMilliseconds(600);
            for (int i = 0; i < 5; i++)
                Queue(peer, Syn(peer, 100 + 10 * round + i));
            peer.Stack.Poll(peer.Now);
            Assert.Equal(2, SynAcks(Segments(peer), 100 + 10 * round, 5));
        }
        Assert.Equal(14 + 2 + 4 * 3, peer.Stack.Stats.Drops[DropReason.SynDroppedOverload]);
        // 1.2 s without a turn: overload is over.
        peer.Now += TimeSpan.FromMilliseconds(1200);
        for (int i = 0; i < 5; i++)
            Queue(peer, Syn(peer, 200 + i));
        peer.Stack.Poll(peer.Now);
        Assert.Equal(5, SynAcks(Segments(peer), 200, 5));
    }

    [Fact]
    public void IsBareSyn_OnlySynWithoutAckRstFin_UnfragmentedTcp()
    {
        var peer = new RawPeer();
        byte[] Tcp(TcpControl control, SeqNumber? ack) => Frame(peer, new TcpRepr
        {
            SourcePort = 1,
            DestinationPort = 2,
            Control = control,
            SeqNumber = new SeqNumber(1),
            AckNumber = ack,
            WindowLength = 100,
        });
        Assert.True(SynDeferral.IsBareSyn(Tcp(TcpControl.Syn, null), 14));
        Assert.False(SynDeferral.IsBareSyn(Tcp(TcpControl.Syn, new SeqNumber(5)), 14)); // SYN-ACK
        Assert.False(SynDeferral.IsBareSyn(Tcp(TcpControl.None, new SeqNumber(5)), 14)); // a cookie's ACK: an unknown flow, not deferred
        Assert.False(SynDeferral.IsBareSyn(Tcp(TcpControl.Rst, null), 14));
        var syn = Tcp(TcpControl.Syn, null);
        Assert.False(SynDeferral.IsBareSyn(syn.AsSpan(0, 14 + 20 + 13), 14)); // truncated TCP header
        var fragment = (byte[])syn.Clone();
        fragment[14 + 6] |= 0x20; // more fragments
        Assert.False(SynDeferral.IsBareSyn(fragment, 14));
        var udp = (byte[])syn.Clone();
        udp[14 + 9] = (byte)IpProtocol.Udp;
        Assert.False(SynDeferral.IsBareSyn(udp, 14));
        Assert.True(SynDeferral.IsBareSyn(syn.AsSpan(14), 0)); // bare IP link
    }
}
