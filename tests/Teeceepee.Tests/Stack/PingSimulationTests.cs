using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

public class PingSimulationTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Ping_BothWays_Succeeds_WithTtlAndSequence_NumberedFromOneLikeIputils()
    {
        await using var sim = new Simulation();
        var ab = sim.Await(sim.A.PingAsync(Simulation.AddressB, 56, OneSecond));
        var ba = sim.Await(sim.B.PingAsync(Simulation.AddressA, 56, OneSecond));

        Assert.Equal(new PingReply(PingStatus.Success, Simulation.AddressB, TimeSpan.Zero, 64, 1, 56), ab);
        Assert.Equal(new PingReply(PingStatus.Success, Simulation.AddressA, TimeSpan.Zero, 64, 1, 56), ba);
        Assert.Equal(1, sim.A.Stats.IcmpOut.EchoReplies);
        Assert.Equal(1, sim.B.Stats.IcmpOut.EchoReplies);
    }

    [Fact]
    public async Task Ping4000Bytes_IsFragmentedBothWays_AndReassembled()
    {
        await using var sim = new Simulation();
        var reply = sim.Await(sim.A.PingAsync(Simulation.AddressB, 4000, OneSecond));

        Assert.Equal(PingStatus.Success, reply.Status);
        Assert.Equal(4000, reply.DataSize);
        var a = sim.A.Stats;
        var b = sim.B.Stats;
        // 4008 octets of ICMP in 1480-octet pieces: 3 fragments each way.
        Assert.Equal(3, a.FragmentsOut);
        Assert.Equal(3, b.FragmentsIn);
        Assert.Equal(1, b.DatagramsReassembled);
        Assert.Equal(3, b.FragmentsOut);
        Assert.Equal(1, a.DatagramsReassembled);
        Assert.Equal(0, a.Drops.Total - a.Drops[DropReason.ArpNotForUs]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1472)]
    [InlineData(1473)]
    [InlineData(65507)]
    public async Task PingSizes_AtTheEdges_Succeed(int size)
    {
        await using var sim = new Simulation();
        var reply = sim.Await(sim.A.PingAsync(Simulation.AddressB, size, OneSecond));
        Assert.Equal(PingStatus.Success, reply.Status);
        Assert.Equal(size, reply.DataSize);
    }

    [Fact]
    public async Task Ping_OffLinkWithoutGateway_IsNetworkUnreachable()
    {
        await using var sim = new Simulation();
        var reply = sim.Await(sim.A.PingAsync(IPv4Address.Parse("198.19.5.5"), OneSecond));
        Assert.Equal(PingStatus.NetworkUnreachable, reply.Status);
        Assert.Equal(1, sim.A.Stats.Drops[DropReason.NoRoute]);
    }

    [Fact]
    public async Task Ping_OffLink_GoesViaGateway()
    {
        // B plays the gateway: A resolves B's MAC for an off-link destination; B drops it (not a router).
        await using var sim = new Simulation(configureA: o => o with { Gateway = Simulation.AddressB });
        var reply = sim.Await(sim.A.PingAsync(IPv4Address.Parse("198.19.5.5"), OneSecond));
        Assert.Equal(PingStatus.TimedOut, reply.Status);
        Assert.Equal(1, sim.B.Stats.Drops[DropReason.NotForUs]);
        Assert.Equal(1, sim.A.Stats.ArpRepliesIn);
    }

    [Fact]
    public async Task Ping_NoReply_TimesOut()
    {
        await using var sim = new Simulation(configureB: o => o with { Address = IPv4Address.Parse("198.18.0.3") });
        var start = sim.Now;
        // B answers ARP only for .3, so .2 stays unresolved: HostUnreachable at 3 s would come first;
        // use a shorter timeout.
        var reply = sim.Await(sim.A.PingAsync(Simulation.AddressB, 56, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(PingStatus.TimedOut, reply.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(500), sim.Now - start);
    }

    [Fact]
    public async Task Ping_Cancelled_ThrowsOperationCanceled()
    {
        await using var sim = new Simulation(configureB: o => o with { Address = IPv4Address.Parse("198.18.0.3") });
        using var cts = new CancellationTokenSource();
        var task = sim.A.PingAsync(Simulation.AddressB, 56, TimeSpan.FromSeconds(30), cts.Token);
        sim.Run(TimeSpan.FromMilliseconds(100));
        Assert.False(task.IsCompleted);
        cts.Cancel();
        sim.Step();
        Assert.True(task.IsCompleted);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await task);
    }

    [Fact]
    public async Task Ping_DontFragment_OverTheMtu_IsPacketTooBig()
    {
        await using var sim = new Simulation();
        var tooBig = sim.Await(sim.A.PingAsync(Simulation.AddressB, 1473, OneSecond, 0, dontFragment: true));
        Assert.Equal(PingStatus.PacketTooBig, tooBig.Status);
        var fits = sim.Await(sim.A.PingAsync(Simulation.AddressB, 1472, OneSecond, 0, dontFragment: true));
        Assert.Equal(PingStatus.Success, fits.Status);
        Assert.Equal(0, sim.A.Stats.FragmentsOut);
    }
}
