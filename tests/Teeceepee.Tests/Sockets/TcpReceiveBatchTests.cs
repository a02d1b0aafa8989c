using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Tcp;
using Teeceepee.Tests.Stack;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// Issue 13 item 4: a waiting receive takes every in-order segment one poll reads (one copy per byte, one completion per
/// batch), and a pooled receive waits without memory and rents its buffer only when data is there.
/// </summary>
public class TcpReceiveBatchTests
{
    private static IPEndPoint B(int port) => new(Simulation.AddressB.ToIPAddress(), port);

    [Fact]
    public async Task Receive_WaitingWhileOnePollReadsFourSegments_TakesAllStraight_OneCompletion_RingNeverUsed()
    {
        await using var sim = new Simulation();
        var (client, server, tcb) = await Connect(sim, 93);
        await using var _ = client;
        await using var __ = server;

        var payload = RandomNumberGenerator.GetBytes(5000); // four segments of at most 1448
        var buffer = new byte[65536];
        var receive = server.ReceiveAsync(buffer);
        sim.Step();
        Assert.False(receive.IsCompleted);
        var send = client.SendAsync(payload);
        int n = sim.Await(receive);

        Assert.Equal(5000, n);
        Assert.Equal(payload, buffer.AsSpan(0, n).ToArray());
        Assert.Equal(5000, tcb.BytesReceivedDirect);
        Assert.False(tcb.HasReceiveStorage);
        Assert.Equal(5000, sim.Await(send));
    }

    [Fact]
    public async Task Receive_BufferSmallerThanTheBatch_TakesWhatFits_RestFromTheRingOnTheNextReceive()
    {
        await using var sim = new Simulation();
        var (client, server, tcb) = await Connect(sim, 94);
        await using var _ = client;
        await using var __ = server;

        var payload = RandomNumberGenerator.GetBytes(5000);
        var buffer = new byte[2000];
        var receive = server.ReceiveAsync(buffer);
        sim.Step();
        var send = client.SendAsync(payload);
        int first = sim.Await(receive);
        Assert.Equal(2000, first);
        Assert.Equal(2000, tcb.BytesReceivedDirect);
        var received = new MemoryStream();
        received.Write(buffer, 0, first);
        while (received.Length < payload.Length)
            received.Write(buffer, 0, sim.Await(server.ReceiveAsync(buffer)));

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
        Assert.Equal(5000, sim.Await(send));
    }

    [Fact]
    public async Task Receive_CancelledInThePollItTookText_CompletesWithTheText_NothingLost()
    {
        await using var sim = new Simulation();
        var (client, server, tcb) = await Connect(sim, 95);
        await using var _ = client;
        await using var __ = server;

        var payload = RandomNumberGenerator.GetBytes(3000);
        var buffer = new byte[65536];
        using var cts = new CancellationTokenSource();
        var receive = server.ReceiveAsync(buffer, cts.Token);
        sim.Step();
        var send = client.SendAsync(payload);
        sim.A.Poll(sim.Now); // the segments are on the wire, B has not read them
        cts.Cancel();        // the cancel waits in B's queue ahead of the receive's completion
        sim.B.Poll(sim.Now); // B takes the text straight into the receive, then runs the cancel

        Assert.True(receive.IsCompleted);
        int n = await receive;
        Assert.Equal(3000, n);
        Assert.Equal(payload, buffer.AsSpan(0, n).ToArray());
        Assert.Equal(3000, tcb.BytesReceivedDirect);
        Assert.Equal(3000, sim.Await(send));
    }

    [Fact]
    public async Task PooledReceive_WaitingWhenTextArrives_CopiesStraightIntoARentedBuffer_EndOfStreamAtFin()
    {
        await using var sim = new Simulation();
        var (client, server, tcb) = await Connect(sim, 96);
        await using var _ = client;
        await using var __ = server;

        var payload = RandomNumberGenerator.GetBytes(5000);
        var receive = server.ReceivePooledAsync();
        sim.Step();
        Assert.False(receive.IsCompleted);
        var send = client.SendAsync(payload);
        using (var data = sim.Await(receive))
        {
            Assert.Equal(5000, data.Length);
            Assert.Equal(payload, data.Span.ToArray());
        }
        Assert.Equal(5000, tcb.BytesReceivedDirect);
        Assert.False(tcb.HasReceiveStorage);
        Assert.Equal(5000, sim.Await(send));

        client.Shutdown(SocketShutdown.Send);
        using var end = sim.Await(server.ReceivePooledAsync());
        Assert.True(end.IsEndOfStream);
        Assert.Equal(TcpState.CloseWait, server.State);
    }

    [Fact]
    public async Task PooledReceive_TextAlreadyInTheRing_ReturnsIt_AtMostMaxLengthEach_Sha256Equal()
    {
        await using var sim = new Simulation();
        var (client, server, tcb) = await Connect(sim, 97);
        await using var _ = client;
        await using var __ = server;

        var payload = RandomNumberGenerator.GetBytes(30_000);
        Assert.Equal(30_000, sim.Await(client.SendAsync(payload)));
        sim.Run(TimeSpan.FromSeconds(1));
        Assert.True(tcb.HasReceiveStorage);

        var received = new MemoryStream();
        while (received.Length < payload.Length)
        {
            using var data = sim.Await(server.ReceivePooledAsync(maxLength: 4096));
            Assert.InRange(data.Length, 1, 4096);
            received.Write(data.Span);
        }
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
        Assert.Equal(0, tcb.BytesReceivedDirect);
        Assert.False(tcb.HasReceiveStorage);
    }

    [Fact]
    public async Task PooledReceive_PeerResets_FailsWithConnectionReset()
    {
        await using var sim = new Simulation();
        var (client, server, _) = await Connect(sim, 98);
        await using var __ = server;

        var receive = server.ReceivePooledAsync();
        sim.Step();
        client.Abort();
        var e = await Assert.ThrowsAsync<SocketException>(() => sim.AwaitTask(receive));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        await client.DisposeAsync();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Receives_UnderLossReorderingDuplication_MixOfSizedAndPooled_StreamSha256Equal(int seed)
    {
        // Holes, filled holes and duplicates interleave the straight path with the ring; receives of random sizes
        // (sized and pooled) must still read the stream exactly once, in order.
        var faults = new FaultOptions { Loss = 0.03, Reorder = 0.05, Duplicate = 0.02, Delay = TimeSpan.FromMilliseconds(2) };
        await using var sim = new Simulation(seed: seed, faults: faults);
        var (client, server, tcb) = await Connect(sim, 99);
        await using var _ = client;
        await using var __ = server;

        var random = new Random(seed);
        var payload = new byte[600_000];
        random.NextBytes(payload);
        var send = client.SendAsync(payload);
        var received = new MemoryStream();
        var buffer = new byte[70_000];
        while (received.Length < payload.Length)
        {
            if (random.Next(2) == 0)
            {
                int n = sim.Await(server.ReceiveAsync(buffer.AsMemory(0, random.Next(1, buffer.Length))));
                Assert.True(n > 0);
                received.Write(buffer, 0, n);
            }
            else
            {
                using var data = sim.Await(server.ReceivePooledAsync(random.Next(1, 300_000)));
                Assert.False(data.IsEndOfStream);
                received.Write(data.Span);
            }
        }
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
        Assert.Equal(payload.Length, sim.Await(send));
        Assert.True(tcb.BytesReceivedDirect > 0, "no text went the straight way");
        client.Shutdown(SocketShutdown.Send);
        using var end = sim.Await(server.ReceivePooledAsync());
        Assert.True(end.IsEndOfStream);
    }

    private static async Task<(TcpConnection Client, TcpConnection Server, Tcb ServerTcb)> Connect(Simulation sim, int port)
    {
        using var listener = new TcpConnectionListener(sim.B, B(port));
        listener.Start();
        var client = new TcpConnection(sim.A, new TcpConnectionOptions { NoDelay = true }); // the last small segment leaves with the rest
        var accept = listener.AcceptAsync();
        var connect = client.ConnectAsync(B(port));
        Assert.True(sim.RunUntil(() => connect.IsCompleted, TimeSpan.FromSeconds(60)));
        await connect;
        var server = sim.Await(accept);
        var tcb = sim.B.Tcp.Find(new TcpFourTuple(Simulation.AddressB, (ushort)server.LocalEndPoint!.Port, Simulation.AddressA, (ushort)server.RemoteEndPoint!.Port))!;
        return (client, server, tcb);
    }
}
