using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Performance;

/// <summary>
/// Issue 5 item 3: a long bulk transfer between two stacks on virtual time allocates nothing per
/// segment once warm (DESIGN §1 "steady-state transfer allocates nothing", §3 rule 14).
/// </summary>
[Collection(MeasurementCollection.Name)]
public class SteadyStateAllocationTests
{
    private static readonly IPv4Address s_addressA = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_addressB = IPv4Address.Parse("198.18.0.2");

    [Fact]
    public async Task BulkTransfer_AfterWarmUp_AllocatesNothingPerSegment()
    {
        await using var pair = new BulkPair();
        pair.Connect();

        // Warm-up: tiered JIT, the congestion window opening and, with it, the memory link's
        // lazily rented frame slots (about 230 KB over the first 40 MiB here, then nothing).
        pair.Transfer(48L << 20);

        long segmentsBefore = pair.Receiver.Stats.TcpSegmentsIn;
        long before = GC.GetAllocatedBytesForCurrentThread();
        long bytes = pair.Transfer(64L << 20);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long segments = pair.Receiver.Stats.TcpSegmentsIn - segmentsBefore;

        Assert.Equal(64L << 20, bytes);
        Assert.True(segments > 40_000, $"only {segments} segments");
        // Allow a small constant, never a cost per segment (measured: 0 bytes).
        Assert.True(allocated < 4 * 1024, $"{allocated} bytes allocated over {segments} segments ({(double)allocated / segments:F2} B/segment)");
    }

    [Fact]
    public async Task BulkTransfer_WithSegmentationOffload_AfterWarmUp_AllocatesNothingPerSegment()
    {
        // The sender builds TCP super-segments (TSO); a software offload link cuts them into wire frames.
        await using var pair = new BulkPair(segmentationOffload: true);
        pair.Connect();
        pair.Transfer(48L << 20);

        long segmentsBefore = pair.Receiver.Stats.TcpSegmentsIn;
        long superBefore = pair.Sender.Stats.SuperFramesOut;
        long before = GC.GetAllocatedBytesForCurrentThread();
        long bytes = pair.Transfer(64L << 20);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long segments = pair.Receiver.Stats.TcpSegmentsIn - segmentsBefore;
        long superFrames = pair.Sender.Stats.SuperFramesOut - superBefore;

        Assert.Equal(64L << 20, bytes);
        Assert.True(segments > 40_000, $"only {segments} segments");
        Assert.True(superFrames > 1_000, $"only {superFrames} super-segments");
        Assert.True(allocated < 4 * 1024, $"{allocated} bytes allocated over {segments} segments ({(double)allocated / segments:F2} B/segment)");
    }

    /// <summary>Two stacks over a memory link pair, a connected Tcb on each, driven on virtual time.</summary>
    internal sealed class BulkPair : IAsyncDisposable
    {
        private readonly MemoryLink _linkA;
        private readonly MemoryLink _linkB;
        private readonly byte[] _chunk = new byte[64 * 1024];
        private Tcb? _client;
        private Tcb? _server;

        public BulkPair(int mtu = 1500, bool segmentationOffload = false)
        {
            (_linkA, _linkB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, mtu), withReadinessFd: false);
            ILink senderLink = segmentationOffload ? new SoftwareOffloadLink(_linkA) : _linkA;
            Sender = new NetworkStack(senderLink, new NetworkStackOptions { Address = s_addressA, Seed = 1, Name = "A" });
            Receiver = new NetworkStack(_linkB, new NetworkStackOptions { Address = s_addressB, Seed = 2, Name = "B" });
        }

        public NetworkStack Sender { get; }
        public NetworkStack Receiver { get; }
        public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);

        public void Connect()
        {
            var listener = Receiver.Tcp.Listen(new TcpEndpoint(s_addressB, 5001));
            _client = Sender.Tcp.Connect(Now, s_addressA, new TcpEndpoint(s_addressB, 5001));
            for (int i = 0; i < 1000 && !listener.TryAccept(out _server); i++)
                Step();
            Assert.NotNull(_server);
            Assert.Equal(TcpState.Established, _client.State);
        }

        /// <summary>Moves <paramref name="count"/> bytes from client to server; returns the bytes received.</summary>
        public long Transfer(long count)
        {
            long sent = 0, received = 0;
            int idle = 0;
            while (received < count)
            {
                if (sent < count)
                    sent += _client!.Send(_chunk.AsSpan(0, (int)Math.Min(_chunk.Length, count - sent)));
                int n, got = 0;
                while ((n = _server!.Receive(_chunk)) > 0)
                    got += n;
                received += got;
                if (!Step() && got == 0)
                {
                    // Nothing moved: jump to the next timer (delayed ACK, RTO).
                    var next = Instant.Min(Sender.PollAt(), Receiver.PollAt());
                    Assert.True(next != Instant.MaxValue && ++idle < 100_000, "the transfer stalled");
                    if (next > Now)
                        Now = next;
                }
                // Virtual time advances a little per round so RTT samples and timers stay sane.
                Now += TimeSpan.FromMicroseconds(10);
            }
            return received;
        }

        /// <summary>Polls both stacks until no frame is in flight; true if any frame moved.</summary>
        private bool Step()
        {
            bool moved = false;
            do
            {
                Sender.Poll(Now);
                Receiver.Poll(Now);
                moved |= _linkA.PendingFrames > 0 || _linkB.PendingFrames > 0;
            }
            while (_linkA.PendingFrames > 0 || _linkB.PendingFrames > 0);
            return moved;
        }

        public async ValueTask DisposeAsync()
        {
            await Sender.DisposeAsync();
            await Receiver.DisposeAsync();
            _linkA.Dispose();
            _linkB.Dispose();
        }
    }
}
