using System.Net;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>The real-time runner: a loop thread per stack sleeping in epoll, commands posted from any thread.</summary>
public class RealTimeRunnerTests
{
    private static (NetworkStack A, NetworkStack B, MemoryLink LinkA, MemoryLink LinkB) Pair()
    {
        var (la, lb) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, 1500));
        var a = new NetworkStack(la, new NetworkStackOptions { Address = Simulation.AddressA, Seed = 1 });
        var b = new NetworkStack(lb, new NetworkStackOptions { Address = Simulation.AddressB, Seed = 2 });
        a.Start();
        b.Start();
        return (a, b, la, lb);
    }

    [Fact]
    public async Task Ping_OverRunningStacks_Succeeds()
    {
        var (a, b, la, lb) = Pair();
        try
        {
            var reply = await a.PingAsync(Simulation.AddressB, 4000, TimeSpan.FromSeconds(5));
            Assert.Equal(PingStatus.Success, reply.Status);
            Assert.Equal(4000, reply.DataSize);
            Assert.True(reply.RoundTripTime < TimeSpan.FromSeconds(1));
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
            la.Dispose();
            lb.Dispose();
        }
    }

    [Fact]
    public async Task UdpEcho_FromManyThreads_EveryDatagramComesBack()
    {
        var (a, b, la, lb) = Pair();
        try
        {
            using var server = new UdpSocket(b, 7);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var echo = Task.Run(async () =>
            {
                var buffer = new byte[2048];
                while (!cts.IsCancellationRequested)
                {
                    var r = await server.ReceiveFromAsync(buffer, cts.Token);
                    await server.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), r.RemoteAddress, r.RemotePort, cts.Token);
                }
            });

            var clients = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
            {
                using var client = new UdpSocket(a);
                client.Connect(new IPEndPoint(Simulation.AddressB.ToIPAddress(), 7));
                var buffer = new byte[2048];
                for (int i = 0; i < 50; i++)
                {
                    var message = new byte[100 + i];
                    message.AsSpan().Fill((byte)(c * 50 + i));
                    await client.SendAsync(message, cts.Token);
                    var r = await client.ReceiveFromAsync(buffer, cts.Token);
                    Assert.Equal(message, buffer.AsSpan(0, r.ReceivedBytes).ToArray());
                }
            })).ToArray();
            await Task.WhenAll(clients);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => echo);
            Assert.Equal(200, b.Stats.UdpDatagramsIn);
            Assert.Equal(200, a.Stats.UdpDatagramsIn);
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
            la.Dispose();
            lb.Dispose();
        }
    }

    [Fact]
    public async Task Dispose_FailsWaitingReceives_AndLaterCallsThrow()
    {
        var (a, b, la, lb) = Pair();
        var socket = new UdpSocket(a, 9);
        var pending = socket.ReceiveFromAsync(new byte[10]).AsTask();
        await a.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => pending.WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await a.PingAsync(Simulation.AddressB, TimeSpan.FromSeconds(1)));
        socket.Dispose();
        await b.DisposeAsync();
        la.Dispose();
        lb.Dispose();
    }

    [Fact]
    public async Task IdleLoop_SleepsUntilADeadline()
    {
        var (a, b, la, lb) = Pair();
        try
        {
            await Task.Delay(300);
            long framesBefore = a.Stats.FramesIn + a.Stats.FramesOut;
            long iterationsBefore = a.LoopIterations;
            await Task.Delay(300);
            Assert.Equal(framesBefore, a.Stats.FramesIn + a.Stats.FramesOut);
            Assert.InRange(a.LoopIterations - iterationsBefore, 0, 3);
            Assert.True(a.IsRunning);
            Assert.Null(a.LoopError);
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
            la.Dispose();
            lb.Dispose();
        }
    }
}
