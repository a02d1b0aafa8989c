using System.Net;
using System.Net.Sockets;
using Teeceepee.Cli.Bench;
using Teeceepee.Cli.Network;

namespace Teeceepee.Tests.Cli;

/// <summary>The bench servers' contract over kernel loopback (127.0.0.1).</summary>
public sealed class BenchServerTests : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private readonly Dictionary<BenchServer.Role, int> _ports = [];
    private readonly Task _running;

    public BenchServerTests()
    {
        var ready = new TaskCompletionSource();
        var server = new BenchServer(new KernelNetwork(), null);
        _running = server.RunAsync(IPAddress.Loopback, 0, 0, 0, (role, endpoint) =>
        {
            lock (_ports)
            {
                _ports[role] = endpoint.Port;
                if (_ports.Count == 3)
                    ready.TrySetResult();
            }
        }, _stop.Token);
        ready.Task.Wait(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
    }

    private async Task<TcpClient> Connect(BenchServer.Role role)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, _ports[role]);
        return client;
    }

    [Fact]
    public async Task Sink_ReadsEverythingAndClosesAfterFin()
    {
        using var client = await Connect(BenchServer.Role.Sink);
        var stream = client.GetStream();
        var block = new byte[256 * 1024];
        for (int i = 0; i < 16; i++)
            await stream.WriteAsync(block);
        client.Client.Shutdown(SocketShutdown.Send);
        // The sink sends nothing and closes once it has read our FIN.
        Assert.Equal(0, await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Echo_ReturnsEachByteAtOnceAndClosesAfterFin()
    {
        using var client = await Connect(BenchServer.Role.Echo);
        var stream = client.GetStream();
        var one = new byte[1];
        for (int i = 0; i < 200; i++)
        {
            await stream.WriteAsync(new[] { (byte)i });
            await stream.ReadExactlyAsync(one).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal((byte)i, one[0]);
        }
        var big = new byte[300_000];
        new Random(3).NextBytes(big);
        var writing = stream.WriteAsync(big).AsTask();
        var back = new byte[big.Length];
        await stream.ReadExactlyAsync(back);
        await writing;
        Assert.Equal(big, back);
        client.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await stream.ReadAsync(one).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Source_StreamsUntilTheClientResets()
    {
        using (var client = await Connect(BenchServer.Role.Source))
        {
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            long total = 0;
            while (total < 4 * 1024 * 1024)
            {
                int n = await stream.ReadAsync(buffer);
                Assert.True(n > 0);
                total += n;
            }
            // SO_LINGER 0: close sends RST, which is how the bench client ends a download.
            client.Client.LingerState = new LingerOption(true, 0);
        }
        // The server keeps serving new connections after the reset.
        using var again = await Connect(BenchServer.Role.Source);
        Assert.True(await again.GetStream().ReadAsync(new byte[100]) > 0);
        again.Client.LingerState = new LingerOption(true, 0);
    }

    [Fact]
    public async Task Sink_ServesManyConnectionsAtOnce()
    {
        var clients = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Connect(BenchServer.Role.Sink)));
        try
        {
            await Task.WhenAll(clients.Select(async c =>
            {
                var stream = c.GetStream();
                await stream.WriteAsync(new byte[100_000]);
                c.Client.Shutdown(SocketShutdown.Send);
                Assert.Equal(0, await stream.ReadAsync(new byte[1]));
            }));
        }
        finally
        {
            foreach (var c in clients)
                c.Dispose();
        }
    }
}
