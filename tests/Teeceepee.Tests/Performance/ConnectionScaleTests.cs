using System.Diagnostics;
using System.Runtime.CompilerServices;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;
using Xunit.Abstractions;

namespace Teeceepee.Tests.Performance;

/// <summary>
/// Issue 5 item 4: 10 000 concurrent established connections on one stack, and what an idle one
/// costs in memory (buffers are rented on first use, so an idle connection holds none).
/// </summary>
[Collection(MeasurementCollection.Name)]
public class ConnectionScaleTests(ITestOutputHelper output)
{
    private const int Connections = 10_000;
    private static readonly IPv4Address s_client = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_server = IPv4Address.Parse("198.18.0.2");

    [Fact]
    public async Task TenThousandConnections_Established_CostUnderFourKiBEachWhenIdle()
    {
        var (linkA, linkB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, 1500), queueCapacity: 4096, withReadinessFd: false);
        var server = new NetworkStack(linkB, new NetworkStackOptions { Address = s_server, Seed = 2, Name = "server" });
        var now = Instant.FromMilliseconds(1000);
        var listener = server.Tcp.Listen(new TcpEndpoint(s_server, 80), backlog: Connections);
        var accepted = new List<Tcb>(Connections);
        var clients = new ClientSide(linkA);
        clients.Stack.Poll(now);
        server.Poll(now);
        long baseline = Settle();

        var batch = Stopwatch.StartNew();
        var batchTimes = new List<double>();
        for (int i = 0; i < Connections; i++)
        {
            clients.Open(now);
            if (i % 500 == 499)
            {
                Drive(clients.Stack, server, linkA, linkB, ref now);
                while (listener.TryAccept(out var tcb))
                    accepted.Add(tcb);
                batchTimes.Add(batch.Elapsed.TotalMicroseconds / 500);
                batch.Restart();
            }
        }
        // Stragglers (SYNs queued behind ARP, dropped at a full queue) finish on their retransmission timers.
        var end = now + TimeSpan.FromSeconds(30);
        while (now < end)
        {
            Drive(clients.Stack, server, linkA, linkB, ref now);
            while (listener.TryAccept(out var tcb))
                accepted.Add(tcb);
            if (accepted.Count == Connections)
                break;
            now = Instant.Max(now + TimeSpan.FromMilliseconds(1), Instant.Min(clients.Stack.PollAt(), server.PollAt()));
        }

        Assert.Equal(Connections, accepted.Count);
        Assert.All(accepted, t => Assert.Equal(TcpState.Established, t.State));
        Assert.Equal(Connections, clients.EstablishedCount());
        Assert.Equal(Connections, server.Tcp.ConnectionCount);

        long both = Settle();
        // Drop the client stack: what is left is the server's 10 000 connections.
        var clientStack = clients.Release();
        clients = null;
        long serverOnly = Settle();
        output.WriteLine($"baseline {baseline} both {both} server only {serverOnly}, client stack collected: {!clientStack.TryGetTarget(out _)}");
        double perServerConnection = (double)(serverOnly - baseline) / Connections;
        double perClientConnection = (double)(both - serverOnly) / Connections;
        output.WriteLine($"memory per idle connection: server side {perServerConnection:F0} B, client side {perClientConnection:F0} B (demux, timers, accept list included)");
        output.WriteLine($"setup wall time per connection, per batch of 500 (µs): {string.Join(' ', batchTimes.Select(t => t.ToString("F1")))}");

        Assert.True(perServerConnection <= 4096, $"{perServerConnection:F0} B per idle server connection");
        GC.KeepAlive(accepted);
        await server.DisposeAsync();
        linkA.Dispose();
        linkB.Dispose();
    }

    private static void Drive(NetworkStack a, NetworkStack b, MemoryLink linkA, MemoryLink linkB, ref Instant now)
    {
        for (int round = 0; round < 10_000; round++)
        {
            a.Poll(now);
            b.Poll(now);
            if (linkA.PendingFrames == 0 && linkB.PendingFrames == 0 && a.PollAt() > now && b.PollAt() > now)
                return;
            now += TimeSpan.FromMicroseconds(1);
        }
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The client stack and its connections, in an object the test can let go of.</summary>
    private sealed class ClientSide(MemoryLink link)
    {
        private readonly List<Tcb> _tcbs = new(Connections);

        public NetworkStack Stack { get; private set; } = new(link, new NetworkStackOptions { Address = s_client, Seed = 1, Name = "client" });

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Open(Instant now) => _tcbs.Add(Stack.Tcp.Connect(now, s_client, new TcpEndpoint(s_server, 80)));

        public int EstablishedCount() => _tcbs.Count(t => t.State == TcpState.Established);

        /// <summary>Disposes the stack, forgets every connection and returns a weak handle to check it is collected.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public WeakReference<NetworkStack> Release()
        {
            Stack.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _tcbs.Clear();
            var weak = new WeakReference<NetworkStack>(Stack);
            Stack = null!;
            return weak;
        }
    }
}
