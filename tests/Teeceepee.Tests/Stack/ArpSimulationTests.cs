using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

public class ArpSimulationTests
{
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task FirstPing_ResolvesOnce_ThenUsesCache()
    {
        await using var sim = new Simulation();
        var first = sim.Await(sim.A.PingAsync(Simulation.AddressB, OneSecond));
        var second = sim.Await(sim.A.PingAsync(Simulation.AddressB, OneSecond));

        Assert.Equal(PingStatus.Success, first.Status);
        Assert.Equal(PingStatus.Success, second.Status);
        var a = sim.A.Stats;
        var b = sim.B.Stats;
        Assert.Equal(2, a.ArpRequestsOut);   // gratuitous announcement + one who-has
        Assert.Equal(1, a.ArpRepliesIn);
        Assert.Equal(1, b.ArpRepliesOut);
        Assert.Equal(1, b.ArpRequestsOut);   // only its announcement: it learned A from the request (RFC 826 merge)
        Assert.Equal(2, a.IcmpIn.EchoReplies);
    }

    [Fact]
    public async Task GratuitousArp_IsSentAtFirstPoll_AndDoesNotCreateEntries()
    {
        await using var sim = new Simulation();
        sim.Step();
        Assert.Equal(1, sim.A.Stats.ArpRequestsOut);
        Assert.Equal(1, sim.B.Stats.ArpRequestsOut);
        // Each saw the other's announcement, which targets the announcer itself: not for us, counted.
        Assert.Equal(1, sim.A.Stats.Drops[DropReason.ArpNotForUs]);
        // Nothing was learned, so the first ping still needs a request.
        sim.Await(sim.A.PingAsync(Simulation.AddressB, OneSecond));
        Assert.Equal(2, sim.A.Stats.ArpRequestsOut);
    }

    [Fact]
    public async Task SilentNeighbour_ThreeRequestsOneSecondApart_ThenHostUnreachable()
    {
        await using var sim = new Simulation();
        var silent = IPv4Address.Parse("198.18.0.99");
        var start = sim.Now;
        var reply = sim.Await(sim.A.PingAsync(silent, 56, TimeSpan.FromSeconds(10)));

        Assert.Equal(PingStatus.HostUnreachable, reply.Status);
        Assert.InRange((sim.Now - start).TotalSeconds, 2.9, 3.1);
        Assert.Equal(1 + 3, sim.A.Stats.ArpRequestsOut);
        Assert.Equal(1, sim.A.Stats.Drops[DropReason.ArpResolutionFailed]);
    }

    [Fact]
    public async Task QueuedPackets_AreSentWhenResolved()
    {
        await using var sim = new Simulation();
        var p1 = sim.A.PingAsync(Simulation.AddressB, 56, OneSecond);
        var p2 = sim.A.PingAsync(Simulation.AddressB, 56, OneSecond);
        var p3 = sim.A.PingAsync(Simulation.AddressB, 56, OneSecond);
        Assert.Equal(PingStatus.Success, sim.Await(p1).Status);
        Assert.Equal(PingStatus.Success, sim.Await(p2).Status);
        Assert.Equal(PingStatus.Success, sim.Await(p3).Status);
        Assert.Equal(2, sim.A.Stats.ArpRequestsOut);
    }

    [Fact]
    public async Task Entry_ExpiresAfterReachableTime_ThenResolvesAgain()
    {
        await using var sim = new Simulation();
        sim.Await(sim.A.PingAsync(Simulation.AddressB, OneSecond));
        Assert.Equal(2, sim.A.Stats.ArpRequestsOut);
        sim.Run(TimeSpan.FromSeconds(61));
        var again = sim.Await(sim.A.PingAsync(Simulation.AddressB, OneSecond));
        Assert.Equal(PingStatus.Success, again.Status);
        Assert.Equal(3, sim.A.Stats.ArpRequestsOut);
    }

    [Fact]
    public async Task BusyNeighbour_IsRefreshedBeforeExpiry_WithoutLosingPackets()
    {
        await using var sim = new Simulation();
        for (int i = 0; i < 130; i++)
        {
            var reply = sim.Await(sim.A.PingAsync(Simulation.AddressB, OneSecond));
            Assert.Equal(PingStatus.Success, reply.Status);
            Assert.True(reply.RoundTripTime < TimeSpan.FromMilliseconds(1), $"ping {i} stalled: {reply.RoundTripTime}");
            sim.Run(OneSecond);
        }
        // One resolution plus a unicast refresh per ~55 s of the 130 s: never a stall.
        Assert.InRange(sim.A.Stats.ArpRequestsOut, 1 + 1 + 2, 1 + 1 + 3);
        Assert.Equal(0, sim.A.Stats.Drops[DropReason.ArpResolutionFailed]);
    }
}
