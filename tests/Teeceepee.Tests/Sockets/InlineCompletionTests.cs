using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Sockets;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// <see cref="TcpConnectionOptions.UnsafeInlineCompletions"/>: continuations run on the loop thread,
/// calls made there run at once, and nothing is lost, reordered, left uncancellable or deadlocked.
/// </summary>
public sealed class InlineCompletionTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private static readonly TcpConnectionOptions s_inline = new() { UnsafeInlineCompletions = true, NoDelay = true };

    private static bool OnLoopThread => Thread.CurrentThread.Name?.StartsWith("teeceepee ", StringComparison.Ordinal) == true;

    private static async Task<(TcpConnection Client, TcpConnection Server, TcpConnectionListener Listener)> PairAsync(
        MemoryTcpTestNetwork net, TcpConnectionOptions? clientOptions, TcpConnectionOptions? serverOptions, int port)
    {
        var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, port), serverOptions);
        listener.Start();
        var client = new TcpConnection(net.Client, clientOptions);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(new IPEndPoint(net.ServerAddress, port)).AsTask().WaitAsync(s_timeout);
        var server = await accept.AsTask().WaitAsync(s_timeout);
        return (client, server, listener);
    }

    [Fact]
    public async Task InlineEcho_FourMebibytes_Sha256Equal_AndContinuationsRanOnTheLoop()
    {
        await using var net = new MemoryTcpTestNetwork();
        var (client, server, listener) = await PairAsync(net, s_inline, s_inline, 6001);
        await using (listener)
        await using (client)
        await using (server)
        {
            int onLoop = 0;
            int synchronousSends = 0;
            async Task EchoAsync()
            {
                var buffer = new byte[64 * 1024];
                while (true)
                {
                    int n = await server.ReceiveAsync(buffer).ConfigureAwait(false);
                    if (OnLoopThread)
                        onLoop++;
                    if (n == 0)
                        break;
                    var send = server.SendAsync(buffer.AsMemory(0, n));
                    if (send.IsCompletedSuccessfully)
                        synchronousSends++;
                    await send.ConfigureAwait(false);
                }
                server.Shutdown(SocketShutdown.Send);
            }

            var echo = Task.Run(EchoAsync);
            var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
            var reading = Task.Run(async () =>
            {
                var got = new MemoryStream(payload.Length);
                var buffer = new byte[100_000];
                int n;
                while ((n = await client.ReceiveAsync(buffer).ConfigureAwait(false)) > 0)
                    got.Write(buffer, 0, n);
                return got.ToArray();
            });
            for (int offset = 0; offset < payload.Length;)
            {
                int n = Math.Min(payload.Length - offset, 777 + offset % 90_000);
                await client.SendAsync(payload.AsMemory(offset, n)).AsTask().WaitAsync(s_timeout);
                offset += n;
            }
            client.Shutdown(SocketShutdown.Send);
            var echoed = await reading.WaitAsync(s_timeout);
            await echo.WaitAsync(s_timeout);

            Assert.Equal(payload.Length, echoed.Length);
            Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
            // Every receive but the very first parks on the loop and resumes there.
            Assert.True(onLoop > 10, $"{onLoop} continuations on the loop");
            // Sends made on the loop with room in the send buffer complete at once.
            Assert.True(synchronousSends > 0, $"{synchronousSends} synchronous sends");
        }
    }

    [Fact]
    public async Task DefaultOptions_ContinuationsRunOffTheLoop()
    {
        await using var net = new MemoryTcpTestNetwork();
        var (client, server, listener) = await PairAsync(net, null, null, 6002);
        await using (listener)
        await using (client)
        await using (server)
        {
            var receive = server.ReceiveAsync(new byte[16]);
            await client.SendAsync("x"u8.ToArray()).AsTask().WaitAsync(s_timeout);
            bool onLoop = await Task.Run(async () =>
            {
                await receive.ConfigureAwait(false);
                return OnLoopThread;
            }).WaitAsync(s_timeout);
            Assert.False(onLoop);
        }
    }

    [Fact]
    public async Task ReceiveParkedOnTheLoop_Cancelled_ThrowsOperationCanceled_AndConnectionStillWorks()
    {
        await using var net = new MemoryTcpTestNetwork();
        var (client, server, listener) = await PairAsync(net, null, s_inline, 6003);
        await using (listener)
        await using (client)
        await using (server)
        {
            using var cts = new CancellationTokenSource();
            var parked = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var buffer = new byte[16];
            var second = Task.Run(async () =>
            {
                // The first receive completes inline; the second is then started on the loop thread
                // itself (run at once, not posted) and parks there.
                Assert.Equal(1, await server.ReceiveAsync(buffer).ConfigureAwait(false));
                var wait = server.ReceiveAsync(buffer, cts.Token);
                parked.TrySetResult(OnLoopThread && !wait.IsCompleted);
                return await wait.ConfigureAwait(false);
            });
            // Give the first receive time to park, so it resumes on the loop rather than synchronously.
            await Task.Delay(100);
            await client.SendAsync("a"u8.ToArray()).AsTask().WaitAsync(s_timeout);
            Assert.True(await parked.Task.WaitAsync(s_timeout));
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(s_timeout));

            // The cancelled receive consumed nothing: the next byte reaches the next receive.
            await client.SendAsync("b"u8.ToArray()).AsTask().WaitAsync(s_timeout);
            Assert.Equal(1, await server.ReceiveAsync(buffer).AsTask().WaitAsync(s_timeout));
            Assert.Equal((byte)'b', buffer[0]);
        }
    }

    [Fact]
    public async Task BlockingReadOnTheLoop_Throws_InsteadOfDeadlocking()
    {
        await using var net = new MemoryTcpTestNetwork();
        var (client, server, listener) = await PairAsync(net, null, s_inline, 6004);
        await using (listener)
        await using (client)
        await using (server)
        {
            var stream = server.GetStream();
            var result = Task.Run(async () =>
            {
                var buffer = new byte[16];
                Assert.Equal(1, await stream.ReadAsync(buffer).ConfigureAwait(false));
                Assert.True(OnLoopThread, Thread.CurrentThread.Name + " " + Environment.CurrentManagedThreadId);
                // Nothing more has arrived: a blocking read here would wait for the loop it runs on.
                return Assert.Throws<InvalidOperationException>(() => stream.Read(buffer, 0, buffer.Length));
            });
            await Task.Delay(100);
            await client.SendAsync("a"u8.ToArray()).AsTask().WaitAsync(s_timeout);
            await result.WaitAsync(s_timeout);

            // The loop is alive and the connection intact.
            await client.SendAsync("bc"u8.ToArray()).AsTask().WaitAsync(s_timeout);
            var buffer = new byte[16];
            int got = 0;
            while (got < 2)
                got += await stream.ReadAsync(buffer.AsMemory(got)).AsTask().WaitAsync(s_timeout);
            Assert.Equal("bc"u8.ToArray(), buffer[..2]);
        }
    }

    [Fact]
    public async Task ContinuationThatSleeps_OnTheLoop_DelaysButDoesNotLoseData()
    {
        await using var net = new MemoryTcpTestNetwork();
        var (client, server, listener) = await PairAsync(net, null, s_inline, 6005);
        await using (listener)
        await using (client)
        await using (server)
        {
            var payload = RandomNumberGenerator.GetBytes(512 * 1024);
            var sink = Task.Run(async () =>
            {
                var got = new MemoryStream();
                var buffer = new byte[8192];
                int n;
                while ((n = await server.ReceiveAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    got.Write(buffer, 0, n);
                    // User code that blocks the loop for a while: the stack stalls, then catches up.
                    if (got.Length % 5 == 0)
                        Thread.Sleep(2);
                }
                return got.ToArray();
            });
            await client.SendAsync(payload).AsTask().WaitAsync(s_timeout);
            client.Shutdown(SocketShutdown.Send);
            var received = await sink.WaitAsync(s_timeout);
            Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received));
        }
    }

    [Fact]
    public async Task InlineAccept_ServesManyConnections_WithoutTheThreadPool()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.Any, 6006), s_inline);
        listener.Start();
        int acceptedOnLoop = 0;
        async Task ServeOneAsync(TcpConnection connection)
        {
            await using (connection)
            {
                var buffer = new byte[64];
                int n;
                while ((n = await connection.ReceiveAsync(buffer).ConfigureAwait(false)) > 0)
                    await connection.SendAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            }
        }
        var acceptLoop = Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                var connection = await listener.AcceptAsync().ConfigureAwait(false);
                if (OnLoopThread)
                    acceptedOnLoop++;
                _ = ServeOneAsync(connection);
            }
        });
        for (int i = 0; i < 50; i++)
        {
            await using var client = new TcpConnection(net.Client);
            await client.ConnectAsync(new IPEndPoint(net.ServerAddress, 6006)).AsTask().WaitAsync(s_timeout);
            await client.SendAsync(new[] { (byte)i }).AsTask().WaitAsync(s_timeout);
            var reply = new byte[1];
            Assert.Equal(1, await client.ReceiveAsync(reply).AsTask().WaitAsync(s_timeout));
            Assert.Equal((byte)i, reply[0]);
            client.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await client.ReceiveAsync(reply).AsTask().WaitAsync(s_timeout));
        }
        await acceptLoop.WaitAsync(s_timeout);
        Assert.True(acceptedOnLoop >= 40, $"{acceptedOnLoop} of 50 accepts resumed on the loop");
    }
}
