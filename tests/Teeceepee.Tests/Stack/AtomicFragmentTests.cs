using System.Buffers.Binary;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// RFC 6946: an atomic fragment (a fragment header with offset 0 and M = 0) is processed at once, on its own, and
/// never meets the reassembly table, so it cannot disturb (nor be disturbed by) fragments with the same identification.
/// </summary>
public class AtomicFragmentTests
{
    private static readonly IPv6Address From = Ipv6Peer.PeerAddress, To = Ipv6Peer.StackAddress;

    private static Ipv6Peer Create()
    {
        var peer = new Ipv6Peer();
        peer.Start();
        // The peer solicits the stack with its link-layer address, so the stack answers without resolving.
        peer.Send(Ipv6Peer.Ndp(NdpRepr.NeighborSolicitation(To, RawPeer.PeerMac), From, To.SolicitedNode));
        peer.ReceivedPackets();
        return peer;
    }

    /// <summary>The echo replies the stack sent since the last call: (sequence, data).</summary>
    private static List<(ushort Sequence, byte[] Data)> EchoReplies(Ipv6Peer peer) =>
        [.. peer.ReceivedPackets().Select(Ipv6Peer.Icmpv6).OfType<(Icmpv6Type Type, byte[] Message)>()
            .Where(m => m.Type == Icmpv6Type.EchoReply)
            .Select(m => (BinaryPrimitives.ReadUInt16BigEndian(m.Message.AsSpan(6)), m.Message[8..]))];

    [Fact]
    public async Task AtomicFragment_EchoRequest_AnsweredAtOnce_WithoutEnteringReassembly()
    {
        await using var peer = Create();
        var echo = Ipv6Peer.EchoRequest(From, To, 1, 5, 56);

        peer.Send(Ipv6Peer.Fragment(From, To, IpProtocol.Icmpv6, 9, 0, false, echo));

        // Answered in the same poll, no reassembly timer or later fragment needed.
        var reply = Assert.Single(EchoReplies(peer));
        Assert.Equal(5, reply.Sequence);
        Assert.Equal(echo[8..], reply.Data);
        Assert.Equal(0, peer.Stack.ReassemblyCount);
        Assert.Equal(0, peer.Stack.Stats.IPv6FragmentsIn);
        Assert.Equal(0, peer.Stack.Stats.IPv6DatagramsReassembled);
        Assert.Equal(1, peer.Stack.Stats.Icmpv6Out[(byte)Icmpv6Type.EchoReply]);
    }

    [Fact]
    public async Task AtomicFragment_SameIdentificationAsAReassemblyInProgress_DeliveredAlone_TheReassemblyStillCompletes()
    {
        await using var peer = Create();
        var first = Ipv6Peer.EchoRequest(From, To, 1, 1, 56); // 64 octets, sent in two fragments
        var atomic = Ipv6Peer.EchoRequest(From, To, 1, 2, 24);
        for (int i = 8; i < atomic.Length; i++)
            atomic[i] ^= 0x5A; // other data than the first datagram's, then its checksum again
        atomic[2] = atomic[3] = 0;
        Icmpv6Repr.WriteChecksum(atomic, From, To);

        peer.Send(Ipv6Peer.Fragment(From, To, IpProtocol.Icmpv6, 9, 0, true, first.AsSpan(0, 32)));
        Assert.Empty(EchoReplies(peer));
        Assert.Equal(1, peer.Stack.ReassemblyCount);

        // Same source, destination, next header and identification as the held fragment, offset 0 like it: were it
        // reassembled, it would overlap the held octets 0-31 and RFC 5722 would discard both.
        peer.Send(Ipv6Peer.Fragment(From, To, IpProtocol.Icmpv6, 9, 0, false, atomic));
        var reply = Assert.Single(EchoReplies(peer));
        Assert.Equal(2, reply.Sequence);
        Assert.Equal(atomic[8..], reply.Data);
        Assert.Equal(1, peer.Stack.ReassemblyCount);
        Assert.Equal(1, peer.Stack.Stats.IPv6FragmentsIn);

        peer.Send(Ipv6Peer.Fragment(From, To, IpProtocol.Icmpv6, 9, 32, false, first.AsSpan(32)));
        reply = Assert.Single(EchoReplies(peer));
        Assert.Equal(1, reply.Sequence);
        Assert.Equal(first[8..], reply.Data);
        Assert.Equal(0, peer.Stack.ReassemblyCount);
        Assert.Equal(2, peer.Stack.Stats.IPv6FragmentsIn);
        Assert.Equal(1, peer.Stack.Stats.IPv6DatagramsReassembled);
        Assert.Equal(0, peer.Stack.Stats.Drops[DropReason.FragmentOverlap]);
    }
}
