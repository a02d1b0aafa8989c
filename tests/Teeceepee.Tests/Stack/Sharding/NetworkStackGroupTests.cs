using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Sharding;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack.Sharding;

/// <summary>
/// A stack with several loops (<see cref="NetworkStackGroup"/>) on simulated queues: hand-over of frames the wrong
/// loop read, listeners shared by every loop, ports that never collide, bounded hand-over queues.
/// </summary>
public sealed class NetworkStackGroupTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RealLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ConnectFromLoop1_EveryPeerFrameOnQueue0_HandedToLoop1WhichAloneCarriesTheFlowByteExact()
    {
        // The worst case of the kernel's queue choice: everything toward the stack arrives on queue 0.
        await using var sim = new GroupSimulation(2, _ => 0);
        var listener = sim.Peer.Tcp.Listen(new TcpEndpoint(GroupSimulation.PeerAddress, 7000));
        var loop0 = sim.Group.Stacks[0];
        var loop1 = sim.Group.Stacks[1];
        var client = loop1.Tcp.Connect(sim.Now, GroupSimulation.GroupAddress, new TcpEndpoint(GroupSimulation.PeerAddress, 7000));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => client.State == TcpState.Established && listener.TryAccept(out server), Limit));

        var up = RandomNumberGenerator.GetBytes(300_000);
        var down = RandomNumberGenerator.GetBytes(200_000);
        Assert.Equal(SHA256.HashData(up), SHA256.HashData(Transfer(sim, client, server!, up)));
        Assert.Equal(SHA256.HashData(down), SHA256.HashData(Transfer(sim, server!, client, down)));

        // The port came from loop 1's slice; loop 0 read every frame of the flow and processed none of them.
        Assert.Equal(1, sim.Group.Sharding.OwnerOf(client.LocalPort));
        var s0 = loop0.Stats;
        var s1 = loop1.Stats;
        Assert.True(loop0.Tcp.ConnectionCount == 0, s0.ToString());
        Assert.True(s0.TcpSegmentsIn == 0, s0.ToString());
        Assert.True(s0.FramesHandedOver > 100, s0.ToString());
        Assert.Equal(s0.FramesHandedOver, s1.FramesTakenOver);
        Assert.True(s1.LinkFramesIn == 0, s1.ToString());
        Assert.True(s1.TcpSegmentsIn > 100, s1.ToString());
        // The ARP reply reached loop 1 too (every loop keeps its own neighbour cache).
        Assert.True(s1.ArpRepliesIn >= 1, s1.ToString());
        // (Loop 0 drops the peer's gratuitous ARP, which is not for us; nothing else is dropped.)
        Assert.True(s1.Drops.Total == 0 && s0.TcpDrops.Total + s1.TcpDrops.Total == 0, $"{s0}\n{s1}");
    }

    [Fact]
    public async Task GroupListener_SynsOnBothQueues_EachLoopAcceptsItsOwnIntoOneQueue()
    {
        // Like the tun driver: a flow's queue is chosen when its first frame comes (here: alternately), then kept.
        var flows = new Dictionary<ushort, int>();
        int next = 0;
        int Steer(byte[] frame)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) != (ushort)EtherType.IPv4 || frame[EthernetRepr.HeaderLength + 9] != (byte)IpProtocol.Tcp)
                return 0;
            ushort remotePort = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(EthernetRepr.HeaderLength + 20));
            if (!flows.TryGetValue(remotePort, out int queue))
                flows[remotePort] = queue = next++ % 2;
            return queue;
        }
        await using var sim = new GroupSimulation(2, Steer);
        var listener = new TcpGroupListener(sim.Group, new IPEndPoint(IPAddress.Any, 5001));
        listener.Start();
        var accepts = Enumerable.Range(0, 10).Select(_ => listener.AcceptAsync().AsTask()).ToList();
        var clients = Enumerable.Range(0, 10)
            .Select(_ => sim.Peer.Tcp.Connect(sim.Now, GroupSimulation.PeerAddress, new TcpEndpoint(GroupSimulation.GroupAddress, 5001)))
            .ToList();

        // The listener's pumps and the accepts complete on the thread pool: step the loops until they have.
        Assert.True(sim.RunUntilCompleted(accepts, RealLimit), string.Join('\n', sim.Log.TakeLast(20)));
        var accepted = accepts.Select(t => t.Result).ToList();
        Assert.Equal([5L, 5L], listener.AcceptedPerLoop);
        Assert.Equal(clients.Select(c => (int)c.LocalPort).Order(), accepted.Select(c => c.RemoteEndPoint!.Port).Order());
        Assert.All(clients, c => Assert.Equal(TcpState.Established, c.State));
        // No TCP frame needed a hand-over: each flow stayed on the queue its SYN came in on.
        Assert.Equal(5, sim.Group.Stacks[0].Tcp.ConnectionCount);
        Assert.Equal(5, sim.Group.Stacks[1].Tcp.ConnectionCount);
        Assert.Equal(0, sim.Group.Stacks[1].Stats.FramesHandedOver);

        // Closing needs the loops too (each close is a command that loop runs).
        var closes = accepted.Select(c => c.DisposeAsync().AsTask()).Append(listener.DisposeAsync().AsTask()).ToList();
        Assert.True(sim.RunUntilCompleted(closes, RealLimit));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ConnectsOnEveryLoop_ToOnePeerEndpoint_PortsNeverCollideAndStayInTheirSlice(int loops)
    {
        await using var sim = new GroupSimulation(loops, _ => 0);
        var remote = new TcpEndpoint(GroupSimulation.PeerAddress, 80);
        var seen = new HashSet<ushort>();
        for (int k = 0; k < loops; k++)
        {
            var stack = sim.Group.Stacks[k];
            for (int i = 0; i < 1000; i++)
            {
                var tcb = stack.Tcp.Connect(sim.Now, GroupSimulation.GroupAddress, remote);
                Assert.True(seen.Add(tcb.LocalPort), $"port {tcb.LocalPort} used twice");
                Assert.Equal(k, sim.Group.Sharding.OwnerOf(tcb.LocalPort));
            }
        }
        Assert.Equal(1000 * loops, seen.Count);
    }

    [Fact]
    public async Task OwnerFallsBehind_MoreFramesThanItsHandoverQueueHolds_RestDroppedAndCounted()
    {
        await using var sim = new GroupSimulation(2, _ => 0);
        var loop0 = sim.Group.Stacks[0];
        var loop1 = sim.Group.Stacks[1];
        var frame = FlowShardingTests.IPv4Tcp(sim.Group.Sharding.PortRange(1).First);
        sim.Group.Primary.HardwareAddress.WriteTo(frame);
        int total = NetworkStack.MaxHandoverQueue + 500;
        for (int sent = 0; sent < total; sent += 250)
        {
            for (int i = 0; i < Math.Min(250, total - sent); i++)
                Assert.True(sim.Inject(0, frame));
            loop0.Poll(sim.Now); // loop 1 is not polled: it is behind
        }
        Assert.Equal(NetworkStack.MaxHandoverQueue, loop0.Stats.FramesHandedOver);
        Assert.Equal(total - NetworkStack.MaxHandoverQueue, loop0.Stats.Drops[DropReason.HandoverQueueFull]);
        loop1.Poll(sim.Now);
        Assert.Equal(NetworkStack.MaxHandoverQueue, loop1.Stats.FramesTakenOver);
    }

    [Fact]
    public void Group_LinksAndLoopsDisagree_Throws()
    {
        var (a, _) = MemoryLink.CreatePair();
        Assert.Throws<ArgumentException>(() => new NetworkStackGroup([a], new NetworkStackOptions { Address = GroupSimulation.GroupAddress, Loops = 2 }));
    }

    private static byte[] Transfer(GroupSimulation sim, Tcb sender, Tcb receiver, byte[] data)
    {
        var received = new MemoryStream();
        var chunk = new byte[65536];
        int sent = 0;
        sim.RunUntil(() =>
        {
            if (sent < data.Length)
                sent += sender.Send(data.AsSpan(sent));
            int n;
            while ((n = receiver.Receive(chunk)) > 0)
                received.Write(chunk, 0, n);
            return received.Length >= data.Length;
        }, Limit);
        return received.ToArray();
    }
}
