using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;
using Xunit.Abstractions;

namespace Teeceepee.Tests.Performance;

/// <summary>
/// Issue 13 item 2: an established connection that exchanged a request and a response and went idle
/// holds no ring (both are returned to the pool once drained) and costs at most 1,792 B in the stack: the 2 KiB
/// with a margin (1,598 B measured; with RACK, its log, loss recovery, timers and the sequence spaces as objects of
/// their own and the delivery-rate ring kept while idle, as before, it measured 2,028 B and fails).
/// </summary>
[Collection(MeasurementCollection.Name)]
public class IdleConnectionMemoryTests(ITestOutputHelper output)
{
    private const int WarmUp = 256;
    private const int Batch = 256;
    private const int Connections = 16 * Batch;
    private const int MaxBytesPerConnectionEnd = 1792;
    private static readonly IPv4Address s_client = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_server = IPv4Address.Parse("198.18.0.2");

    [Fact]
    public async Task IdleAfterRequestAndResponse_BuffersReturned_AtMost1792BytesPerConnectionEnd()
    {
        var (linkA, linkB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, 1500), queueCapacity: 4096, withReadinessFd: false);
        var pair = new Pair(linkA, linkB);

        // Warm-up with the same batch size: pooled rings and the JIT exist before the baseline, and so do the
        // memory link's frame slots, which it rents lazily as its ring position wraps (not the stack's memory).
        pair.OpenAndServe(WarmUp);
        TouchEverySlot(linkA, linkB, 4096);
        TouchEverySlot(linkB, linkA, 4096);
        long baseline = Settle();
        for (int i = 0; i < Connections / Batch; i++)
            pair.OpenAndServe(Batch);
        long after = Settle();

        Assert.Equal(WarmUp + Connections, pair.Server.Count);
        Assert.All(pair.Server, t => Assert.Equal(TcpState.Established, t.State));
        Assert.All(pair.Server.Concat(pair.Client), t => Assert.False(t.HasReceiveStorage || t.HasSendStorage, "an idle connection still holds a ring"));
        Assert.Equal((long)(WarmUp + Connections) * Pair.Request.Length, pair.Server.Sum(t => t.GetInfo().BytesReceived));
        Assert.Equal((long)(WarmUp + Connections) * Pair.Response.Length, pair.Client.Sum(t => t.GetInfo().BytesReceived));

        // Each connection has an end in each stack: TCB, demultiplexing entry, timer entries.
        double perEnd = (double)(after - baseline) / (2 * Connections);
        output.WriteLine($"baseline {baseline} B, after {Connections} more idle connections {after} B: {perEnd:F0} B per connection end (client and server stacks)");
        Assert.True(perEnd <= MaxBytesPerConnectionEnd, $"{perEnd:F0} B per idle connection end (at most {MaxBytesPerConnectionEnd})");
        await pair.DisposeAsync();
        linkA.Dispose();
        linkB.Dispose();
    }

    private static void TouchEverySlot(MemoryLink from, MemoryLink to, int capacity)
    {
        var frame = new byte[64];
        var sink = new byte[2048];
        for (int i = 0; i < capacity; i++)
        {
            Assert.True(from.TrySend(Instant.Zero, frame));
            Assert.True(to.TryReceive(Instant.Zero, sink, out _));
        }
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>A client and a server stack on virtual time; connections opened and served in batches.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        public static readonly byte[] Request = new byte[300];
        public static readonly byte[] Response = new byte[1200];
        private readonly MemoryLink _linkA;
        private readonly MemoryLink _linkB;
        private readonly NetworkStack _clientStack;
        private readonly NetworkStack _serverStack;
        private readonly TcpListenerQueue _listener;
        private readonly byte[] _scratch = new byte[4096];
        private Instant _now = Instant.FromMilliseconds(1000);

        public Pair(MemoryLink linkA, MemoryLink linkB)
        {
            (_linkA, _linkB) = (linkA, linkB);
            _clientStack = new NetworkStack(linkA, new NetworkStackOptions { Address = s_client, Seed = 1, Name = "client" });
            _serverStack = new NetworkStack(linkB, new NetworkStackOptions { Address = s_server, Seed = 2, Name = "server" });
            _listener = _serverStack.Tcp.Listen(new TcpEndpoint(s_server, 80), backlog: Batch * 2);
        }

        public List<Tcb> Client { get; } = new(WarmUp + Connections);
        public List<Tcb> Server { get; } = new(WarmUp + Connections);

        /// <summary>Opens <paramref name="count"/> connections, sends a request on each, answers it, reads the answer, lets ACKs settle.</summary>
        public void OpenAndServe(int count)
        {
            int first = Client.Count;
            int accepted = Server.Count;
            for (int i = 0; i < count; i++)
                Client.Add(_clientStack.Tcp.Connect(_now, s_client, new TcpEndpoint(s_server, 80)));
            var end = _now + TimeSpan.FromSeconds(30);
            while (Server.Count < accepted + count && _now < end)
            {
                Drive();
                _now = Instant.Max(_now + TimeSpan.FromMilliseconds(1), Instant.Min(_clientStack.PollAt(), _serverStack.PollAt()));
            }
            Assert.Equal(accepted + count, Server.Count);

            for (int i = first; i < Client.Count; i++)
                Assert.Equal(Request.Length, Client[i].Send(Request));
            Drive();
            for (int i = accepted; i < Server.Count; i++)
            {
                Assert.Equal(Request.Length, Server[i].Receive(_scratch));
                Assert.Equal(Response.Length, Server[i].Send(Response));
            }
            Drive();
            for (int i = first; i < Client.Count; i++)
                Assert.Equal(Response.Length, Client[i].Receive(_scratch));
            // Delayed ACKs and window updates settle.
            _now += TimeSpan.FromSeconds(1);
            Drive();
        }

        private void Drive()
        {
            for (int round = 0; round < 10_000; round++)
            {
                _clientStack.Poll(_now);
                _serverStack.Poll(_now);
                while (_listener.TryAccept(out var tcb))
                    Server.Add(tcb);
                if (_linkA.PendingFrames == 0 && _linkB.PendingFrames == 0 && _clientStack.PollAt() > _now && _serverStack.PollAt() > _now)
                    return;
                _now += TimeSpan.FromMicroseconds(1);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _clientStack.DisposeAsync();
            await _serverStack.DisposeAsync();
        }
    }
}
