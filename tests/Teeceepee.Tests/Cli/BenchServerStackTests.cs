using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Cli.Bench;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Links;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Cli;

/// <summary>
/// The bench servers on the userspace stack (two stacks joined by a MemoryLink), with connection code
/// inline on the server stack's loop (as <c>teeceepee bench-server</c> runs them) and on the thread pool.
/// </summary>
public sealed class BenchServerStackTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private static readonly IPAddress s_server = IPAddress.Parse("198.18.0.1");

    private static LinkOptions Options(string address, string name, int seed) => new()
    {
        Kind = LinkKind.Tap,
        Device = name,
        Address = IPAddress.Parse(address),
        PrefixLength = 24,
        Seed = seed,
    };

    /// <summary>Runs <paramref name="test"/> against a bench server on one stack from a client on another.</summary>
    private static Task WithServerAsync(bool inline, Func<INetwork, Task> test) => WithServerAsync(inline, (client, _) => test(client));

    /// <summary>As above; the test also sees the server's network (its stack).</summary>
    private static async Task WithServerAsync(bool inline, Func<INetwork, TeeceepeeNetwork, Task> test)
    {
        var (first, second) = MemoryLink.CreatePair(queueCapacity: 1024);
        await using var client = TeeceepeeNetwork.FromLink(first, Options("198.18.0.2", "mem-c", 1), null);
        await using var serverNetwork = (TeeceepeeNetwork)TeeceepeeNetwork.FromLink(second, Options("198.18.0.1", "mem-s", 2), null);
        var server = new BenchServer(serverNetwork, null, inline);
        Assert.Equal(inline, server.Inline);
        using var stop = new CancellationTokenSource();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = server.RunAsync(IPAddress.Any, 5001, 5002, 5003, (role, _) =>
        {
            if (role == BenchServer.Role.Echo)
                ready.TrySetResult();
        }, stop.Token);
        await ready.Task.WaitAsync(s_timeout);
        try
        {
            await test(client, serverNetwork).WaitAsync(s_timeout);
        }
        finally
        {
            await stop.CancelAsync();
            await running.WaitAsync(s_timeout);
        }
    }

    private static Task<IConnection> ConnectAsync(INetwork network, int port) =>
        network.ConnectAsync(new IPEndPoint(s_server, port), CancellationToken.None).AsTask();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Echo_RoundTripsAndBulk_Sha256Equal_ThenClosesAfterFin(bool inline) => WithServerAsync(inline, async network =>
    {
        await using var connection = await ConnectAsync(network, 5003);
        var stream = connection.Stream;
        var one = new byte[1];
        for (int i = 0; i < 300; i++)
        {
            await stream.WriteAsync(new[] { (byte)i });
            await stream.ReadExactlyAsync(one);
            Assert.Equal((byte)i, one[0]);
        }
        var big = RandomNumberGenerator.GetBytes(2 * 1024 * 1024 + 17);
        var writing = Task.Run(async () => await stream.WriteAsync(big));
        var back = new byte[big.Length];
        await stream.ReadExactlyAsync(back);
        await writing;
        Assert.Equal(SHA256.HashData(big), SHA256.HashData(back));
        connection.ShutdownSend();
        Assert.Equal(0, await stream.ReadAsync(one));
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Sink_ConnectSendClose_ManyCycles_EachEndsWithTheServersFin(bool inline) => WithServerAsync(inline, async network =>
    {
        var block = new byte[64 * 1024];
        for (int i = 0; i < 100; i++)
        {
            await using var connection = await ConnectAsync(network, 5001);
            if (i % 10 == 0)
                await connection.Stream.WriteAsync(block);
            connection.ShutdownSend();
            Assert.Equal(0, await connection.Stream.ReadAsync(new byte[16]));
        }
    });

    [Fact]
    public Task Sink_Upload_MostBytesCopiedOnceStraightIntoItsPooledReceive() => WithServerAsync(inline: true, async (network, server) =>
    {
        // Issue 13 item 4: the sink waits with a pooled receive, so segments go from the frame into its buffer (one copy),
        // not through the receive ring (two); a zero-byte wait, as before, took none straight.
        const int Total = 4 * 1024 * 1024;
        await using var connection = await ConnectAsync(network, 5001);
        var block = RandomNumberGenerator.GetBytes(64 * 1024);
        for (int sent = 0; sent < Total; sent += block.Length)
            await connection.Stream.WriteAsync(block);
        var key = new TcpFourTuple(NetAddress.Parse("198.18.0.1"), 5001, NetAddress.Parse("198.18.0.2"), (ushort)connection.LocalEndPoint.Port);
        (long Received, long Direct) counts = default;
        for (var until = DateTime.UtcNow + s_timeout; counts.Received < Total && DateTime.UtcNow < until;)
        {
            await Task.Delay(20);
            counts = await server.Stack.InvokeAsync((stack, _) => stack.Tcp.Find(key) is { } tcb
                ? (tcb.GetInfo().BytesReceived, tcb.BytesReceivedDirect)
                : default);
        }
        Assert.Equal(Total, counts.Received);
        Assert.True(counts.Direct > Total / 2, $"{counts.Direct} of {Total} bytes copied straight into the sink's receive");
        connection.ShutdownSend();
        Assert.Equal(0, await connection.Stream.ReadAsync(new byte[16]));
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Source_StreamsUntilReset_ThenServesTheNext(bool inline) => WithServerAsync(inline, async network =>
    {
        for (int round = 0; round < 2; round++)
        {
            var connection = await ConnectAsync(network, 5002);
            var buffer = new byte[64 * 1024];
            long total = 0;
            while (total < 8 * 1024 * 1024)
            {
                int n = await connection.Stream.ReadAsync(buffer);
                Assert.True(n > 0);
                total += n;
            }
            // As the bench client does: a reset ends the download, and the server's writes fail.
            connection.Abort();
            await connection.DisposeAsync();
        }
    });
}
