using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

public class AllocationTests
{
    [Fact]
    public void SteadyState_FramePath_DoesNotAllocate()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: true);
        var faults = new FaultInjector(a,
            inbound: new FaultOptions { Loss = 0.1, Duplicate = 0.1, Corrupt = 0.1, Reorder = 0.1, Delay = TimeSpan.FromMilliseconds(1), Jitter = TimeSpan.FromMilliseconds(1) },
            outbound: new FaultOptions { Loss = 0.1, Duplicate = 0.1, Corrupt = 0.1, RateBitsPerSecond = 1_000_000_000 },
            seed: 1);
        using var link = new Tracer(new PcapWriter(faults, Stream.Null), TextWriter.Null);
        using var far = b;
        var frame = TestFrames.TcpSynAck();
        var buffer = new byte[1514];

        void Round(int t)
        {
            var now = Instant.FromMilliseconds(t);
            link.TrySend(now, frame);
            far.TrySend(now, frame);
            while (far.TryReceive(now, buffer, out _)) { }
            while (link.TryReceive(now, buffer, out _)) { }
        }

        for (int t = 0; t < 2000; t++)
            Round(t); // warm up: pools, JIT, queue slots
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 2000; t < 12_000; t++)
            Round(t);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"allocated {allocated} bytes over 10000 rounds");
        Assert.True(faults.Inbound.Delivered > 5000);
    }
}
