using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>Two stacks speaking IPv6 over a memory link on virtual time: DAD, neighbour discovery, echo, fragmentation.</summary>
public class IPv6SimulationTests
{
    private static readonly IPv6Address A6 = IPv6Address.Parse("fd00:6:2::1");
    private static readonly IPv6Address B6 = IPv6Address.Parse("fd00:6:2::2");
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    private static Simulation Create(IPv6Address? b = null, int dadTransmitsB = 1, FaultOptions? faults = null, int seed = 1) => new(
        configureA: o => o with { IPv6Addresses = [new IPv6AddressPrefix(A6, 64)] },
        configureB: o => o with { IPv6Addresses = [new IPv6AddressPrefix(b ?? B6, 64)], DadTransmits = dadTransmitsB },
        faults: faults, seed: seed);

    [Fact]
    public async Task Start_DadFindsNoDuplicate_AddressesBecomePreferred_AfterRetransTimer()
    {
        await using var sim = Create();
        sim.Step();
        Assert.All(sim.A.IPv6Addresses, a => Assert.Equal(IPv6AddressState.Tentative, a.State));
        Assert.Equal(2, sim.A.IPv6Addresses.Count);
        Assert.Equal(IPv6AddressOrigin.LinkLocal, sim.A.IPv6Addresses[0].Origin);
        Assert.True(sim.A.IPv6Addresses[0].Address.Address.IsLinkLocal);

        sim.Run(TimeSpan.FromMilliseconds(1100));

        Assert.All(sim.A.IPv6Addresses, a => Assert.Equal(IPv6AddressState.Preferred, a.State));
        Assert.All(sim.B.IPv6Addresses, a => Assert.Equal(IPv6AddressState.Preferred, a.State));
        // One MLDv2 report joining both solicited-node groups, one DAD solicitation per address.
        Assert.Equal(1, sim.A.Stats.MldReportsOut);
        Assert.Equal(2, sim.A.Stats.Icmpv6Out[(byte)Icmpv6Type.NeighborSolicitation]);
        Assert.Equal(0, sim.A.Stats.DuplicateAddresses);
    }

    [Fact]
    public async Task Dad_AddressAnotherStackHolds_IsDuplicate_AndNotUsed()
    {
        // B already owns A's address (no DAD of its own): it answers A's probe, A gives the address up.
        await using var sim = Create(b: A6, dadTransmitsB: 0);
        sim.Run(TimeSpan.FromSeconds(2));

        var a = sim.A.IPv6Addresses.Single(x => x.Origin == IPv6AddressOrigin.Static);
        Assert.Equal(IPv6AddressState.Duplicate, a.State);
        Assert.Equal(1, sim.A.Stats.DuplicateAddresses);
        Assert.Equal(1, sim.A.Stats.Drops[DropReason.DuplicateAddress]);
        Assert.Equal(IPv6AddressState.Preferred, sim.B.IPv6Addresses.Single(x => x.Origin == IPv6AddressOrigin.Static).State);
        Assert.Contains(sim.Log, l => l.Contains("is a duplicate", StringComparison.Ordinal));
        // A does not use it: not ours for traffic, and B's pings to it are answered by B itself, not by A.
        Assert.False(sim.A.IsOurIPv6Address(A6));
        Assert.True(sim.B.IsOurIPv6Address(A6));
    }

    [Fact]
    public async Task Ping_BothWays_ResolvesNeighbours_AndSucceeds()
    {
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2));

        var ab = sim.Await(sim.A.PingAsync(B6, 56, OneSecond));
        var ba = sim.Await(sim.B.PingAsync(A6, 56, OneSecond));

        Assert.Equal(new PingReply(PingStatus.Success, B6, TimeSpan.Zero, 64, 1, 56), ab);
        Assert.Equal(new PingReply(PingStatus.Success, A6, TimeSpan.Zero, 64, 1, 56), ba);
        Assert.Equal(1, sim.A.Stats.Icmpv6Out[(byte)Icmpv6Type.EchoReply]);
        Assert.Equal(1, sim.B.Stats.Icmpv6Out[(byte)Icmpv6Type.EchoReply]);
        // A solicited B; B learned A from the solicitation and answered without asking.
        Assert.True(sim.A.Stats.Icmpv6In[(byte)Icmpv6Type.NeighborAdvertisement] >= 1);
        Assert.Equal(Teeceepee.Stack.Ndp.NeighborState.Reachable, sim.A.Neighbors.Find(B6)!.State);
    }

    [Fact]
    public async Task Ping_LinkLocalToLinkLocal_Succeeds()
    {
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2));
        var bLinkLocal = sim.B.IPv6Addresses[0].Address.Address;
        var reply = sim.Await(sim.A.PingAsync(bLinkLocal, 8, OneSecond));
        Assert.Equal(PingStatus.Success, reply.Status);
        Assert.Equal((NetAddress)bLinkLocal, reply.Address);
    }

    [Fact]
    public async Task Ping4000Bytes_IsFragmentedBothWays_AndReassembled()
    {
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2));
        var reply = sim.Await(sim.A.PingAsync(B6, 4000, OneSecond));

        Assert.Equal(PingStatus.Success, reply.Status);
        Assert.Equal(4000, reply.DataSize);
        // 4008 octets of ICMPv6 in 1448-octet pieces (1500 - 40 - 8, a multiple of 8): 3 fragments each way.
        Assert.Equal(3, sim.A.Stats.IPv6FragmentsOut);
        Assert.Equal(3, sim.B.Stats.IPv6FragmentsIn);
        Assert.Equal(1, sim.B.Stats.IPv6DatagramsReassembled);
        Assert.Equal(1, sim.A.Stats.IPv6DatagramsReassembled);
    }

    [Fact]
    public async Task Ping_ToAbsentNeighbour_FailsAfterThreeSolicitations_AndDropsTheQueuedRequest()
    {
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2));
        var absent = IPv6Address.Parse("fd00:6:2::99");
        var reply = sim.Await(sim.A.PingAsync(absent, 8, TimeSpan.FromSeconds(10)));

        Assert.Equal(PingStatus.HostUnreachable, reply.Status);
        Assert.Equal(1, sim.A.Stats.Drops[DropReason.NeighborResolutionFailed]);
        Assert.Null(sim.A.Neighbors.Find(absent));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Ping_WithLossAndDuplication_EventuallySucceeds(int seed)
    {
        await using var sim = Create(faults: new FaultOptions { Loss = 0.2, Duplicate = 0.1 }, seed: seed);
        sim.Run(TimeSpan.FromSeconds(3));
        int successes = 0;
        for (int i = 0; i < 20; i++)
        {
            if (sim.Await(sim.A.PingAsync(B6, 1200, OneSecond), TimeSpan.FromSeconds(30)).Status == PingStatus.Success)
                successes++;
        }
        Assert.InRange(successes, 5, 20);
        Assert.Equal(0, sim.A.Stats.Drops[DropReason.InternalError] + sim.B.Stats.Drops[DropReason.InternalError]);
    }
}
