using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>The per-packet path allocates nothing in steady state (DESIGN §3 rule 14).</summary>
public class AllocationTests
{
    [Fact]
    public async Task EchoRequests_InSteadyState_AllocateNothing()
    {
        await using var peer = new RawPeer(o => o with { Trace = null });
        peer.Introduce();
        var frame = RawPeer.Ethernet(EtherType.IPv4, peer.IPv4(IpProtocol.Icmp, RawPeer.EchoRequest(1, 1, 56)));
        // Warm up past the memory link's lazily rented slots (256 per direction).
        for (int i = 0; i < 300; i++)
        {
            peer.Send(frame);
            peer.Discard();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int replies = 0;
        for (int i = 0; i < 1000; i++)
        {
            peer.Link.TrySend(peer.Now, frame);
            peer.Stack.Poll(peer.Now);
            replies += peer.Discard();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1000, replies);
        Assert.Equal(1300, peer.Stack.Stats.IcmpOut.EchoReplies);
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for 1000 echo requests");
    }

    [Fact]
    public async Task UdpSendAndReceive_InSteadyState_AllocateAlmostNothing()
    {
        await using var sim = new Simulation();
        using var server = new UdpSocket(sim.B, 7);
        using var client = new UdpSocket(sim.A);
        var data = new byte[200];
        var buffer = new byte[2048];
        void RoundTrip()
        {
            var receive = server.ReceiveFromAsync(buffer);
            var send = client.SendToAsync(data, Simulation.AddressB, 7);
            sim.Step();
            send.GetAwaiter().GetResult();
            receive.GetAwaiter().GetResult();
        }
        for (int i = 0; i < 600; i++)
            RoundTrip();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
            RoundTrip();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1600, sim.B.Stats.UdpDatagramsIn);
        // Pooled operations and buffers: well under one allocation per datagram.
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for 1000 datagrams");
    }
}
