using System.Security.Cryptography;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Stack;

/// <summary>Datagrams to our own address never touch the link.</summary>
public class LoopbackTests
{
    [Fact]
    public async Task PingSelf_Succeeds_WithoutArpOrFrames()
    {
        await using var sim = new Simulation();
        sim.Step();
        long framesOut = sim.A.Stats.FramesOut;
        var reply = sim.Await(sim.A.PingAsync(Simulation.AddressA, 5000, TimeSpan.FromSeconds(1)));
        Assert.Equal(PingStatus.Success, reply.Status);
        Assert.Equal(5000, reply.DataSize);
        Assert.Equal(framesOut, sim.A.Stats.FramesOut);
        Assert.Equal(0, sim.A.Stats.FragmentsOut);
    }

    [Fact]
    public async Task UdpToSelf_IsDelivered()
    {
        await using var sim = new Simulation();
        using var a = new UdpSocket(sim.A, 1000);
        using var b = new UdpSocket(sim.A, 2000);
        var data = RandomNumberGenerator.GetBytes(20000);
        var buffer = new byte[30000];
        var receive = b.ReceiveFromAsync(buffer);
        sim.Await(a.SendToAsync(data, Simulation.AddressA, 2000));
        var got = sim.Await(receive);
        Assert.Equal(data, buffer.AsSpan(0, got.ReceivedBytes).ToArray());
        Assert.Equal(1000, got.RemotePort);
    }

    [Fact]
    public async Task TcpToSelf_Connects()
    {
        await using var sim = new Simulation();
        var listener = sim.A.Tcp.Listen(new TcpEndpoint(Simulation.AddressA, 80));
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressA, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(5)));
        Assert.Equal(TcpState.Established, client.State);
        client.Send("hello"u8);
        var buffer = new byte[10];
        int n = 0;
        Assert.True(sim.RunUntil(() => (n = server!.Receive(buffer)) > 0, TimeSpan.FromSeconds(5)));
        Assert.Equal("hello"u8.ToArray(), buffer.AsSpan(0, n).ToArray());
    }
}
