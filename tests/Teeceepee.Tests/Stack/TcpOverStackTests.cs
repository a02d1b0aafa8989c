using System.Security.Cryptography;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>TCP segments travel through the stack: IPv4 in and out, ARP, fragmentation never needed (MSS from MTU).</summary>
public class TcpOverStackTests
{
    [Fact]
    public async Task Transfer_BetweenTwoStacks_ArrivesIntact()
    {
        await using var sim = new Simulation();
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(Simulation.AddressB, 80));
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(5)));
        Assert.Equal(TcpState.Established, client.State);
        Assert.Equal(1460 - 12, client.SendMss); // MSS from the 1500 MTU, less the timestamps option

        var data = RandomNumberGenerator.GetBytes(300_000);
        var received = sim.Transfer(client, server!, data, TimeSpan.FromSeconds(30));

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.True(sim.A.Stats.TcpSegmentsOut > 200);
        Assert.True(sim.B.Stats.TcpSegmentsIn > 200);
        Assert.Equal(0, sim.A.Stats.FragmentsOut);
    }

    [Fact]
    public async Task ConnectToClosedPort_IsRefused()
    {
        await using var sim = new Simulation();
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 81));
        Assert.True(sim.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(5)));
        Assert.Equal(TcpError.ConnectionRefused, client.Error);
        Assert.Equal(1, sim.B.Tcp.ResetsSent);
    }

    [Fact]
    public async Task CorruptSegment_IsDroppedAsBadChecksum()
    {
        await using var peer = new RawPeer();
        peer.Introduce();
        var syn = new TcpRepr { SourcePort = 1234, DestinationPort = 80, Control = TcpControl.Syn, SeqNumber = new SeqNumber(1), WindowLength = 1000 };
        var bytes = new byte[syn.BufferLength];
        syn.Emit(bytes, RawPeer.PeerAddress, RawPeer.StackAddress);
        bytes[16] ^= 1;
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Tcp, bytes)));
        Assert.Equal(1, peer.Stack.Stats.Drops[DropReason.BadChecksum]);
        Assert.Empty(peer.Received());

        // A good SYN to a closed port earns a RST (RFC 9293 §3.10.7.1).
        bytes[16] ^= 1;
        peer.Send(RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Tcp, bytes)));
        var reply = Assert.Single(RawPeer.IPv4Packets(peer.Received()));
        Assert.True(TcpSegment.TryParse(reply.AsSpan(20), out var rst, out _));
        Assert.True((rst.Flags & TcpFlags.Rst) != 0);
    }
}
