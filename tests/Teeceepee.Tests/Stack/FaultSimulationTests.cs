using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Stack;

/// <summary>The stack over a faulty wire (seeded FaultInjector): losses cost what they should and nothing leaks.</summary>
public class FaultSimulationTests
{
    [Fact]
    public async Task Ping_Under20PercentLossEachWay_SucceedsAbout64PercentOfTheTime()
    {
        await using var sim = new Simulation(faults: new FaultOptions { Loss = 0.2 }, configureA: o => o with { Trace = null }, configureB: o => o with { Trace = null });
        int ok = 0;
        for (int i = 0; i < 400; i++)
        {
            var reply = sim.Await(sim.A.PingAsync(Simulation.AddressB, 56, TimeSpan.FromMilliseconds(200)));
            if (reply.Status == PingStatus.Success)
                ok++;
            else
                Assert.Equal(PingStatus.TimedOut, reply.Status);
        }
        // 0.8 x 0.8 = 0.64 (ARP is lossy too but retried); 400 trials: a sigma is 2.4 %.
        Assert.InRange(ok / 400.0, 0.56, 0.72);
    }

    [Fact]
    public async Task FragmentedDatagrams_UnderLoss_PartlyArrive_AndIncompleteOnesTimeOutFreeingMemory()
    {
        await using var sim = new Simulation(faults: new FaultOptions { Loss = 0.1 }, configureA: o => o with { Trace = null }, configureB: o => o with { Trace = null });
        using var server = new UdpSocket(sim.B, 9);
        using var client = new UdpSocket(sim.A);
        sim.Await(sim.A.PingAsync(Simulation.AddressB, 0, TimeSpan.FromSeconds(5))); // resolve first (may be lost: fine)
        for (int i = 0; i < 200; i++)
        {
            sim.Await(client.SendToAsync(new byte[4000], Simulation.AddressB, 9)); // 3 fragments
            sim.Run(TimeSpan.FromMilliseconds(10));
        }
        sim.Run(TimeSpan.FromSeconds(31));
        var b = sim.B.Stats;
        // 0.9^3 = 0.73 of the datagrams arrive whole.
        Assert.InRange(b.DatagramsReassembled, 120, 170);
        Assert.Equal(0, sim.B.ReassemblyHeldBytes);
        Assert.Equal(0, sim.B.ReassemblyCount);
        Assert.True(b.Drops[DropReason.ReassemblyTimeout] > 10);
        Assert.Equal(b.DatagramsReassembled, b.UdpDatagramsIn); // each whole one reached the socket's queue
    }

    [Fact]
    public async Task Corruption_IsDroppedByReason_NeverThrows()
    {
        await using var sim = new Simulation(faults: new FaultOptions { Corrupt = 0.3 }, configureA: o => o with { Trace = null }, configureB: o => o with { Trace = null });
        for (int i = 0; i < 300; i++)
            sim.Await(sim.A.PingAsync(Simulation.AddressB, 500, TimeSpan.FromMilliseconds(100)));
        var drops = sim.A.Stats.Drops.Total + sim.B.Stats.Drops.Total;
        Assert.True(drops > 50, $"{drops}");
        Assert.Equal(0, sim.A.Stats.Drops[DropReason.InternalError] + sim.B.Stats.Drops[DropReason.InternalError]);
        Assert.True(sim.A.Stats.Drops[DropReason.BadChecksum] + sim.B.Stats.Drops[DropReason.BadChecksum] > 0);
    }

    [Fact]
    public async Task TcpTransfer_UnderLossReorderAndDuplication_ArrivesIntact()
    {
        var faults = new FaultOptions { Loss = 0.03, Reorder = 0.05, Duplicate = 0.02, Delay = TimeSpan.FromMilliseconds(2) };
        await using var sim = new Simulation(faults: faults, configureA: o => o with { Trace = null }, configureB: o => o with { Trace = null });
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(Simulation.AddressB, 80));
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(30)));
        var data = RandomNumberGenerator.GetBytes(500_000);
        var received = sim.Transfer(client, server!, data, TimeSpan.FromMinutes(5));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.True(sim.Faults!.Outbound.Lost + sim.Faults.Inbound.Lost > 0);
    }
}
