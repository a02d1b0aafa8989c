using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

public class FaultInjectorTests
{
    private static (MemoryLink Near, MemoryLink Far) Wire() => MemoryLink.CreatePair(queueCapacity: 4096, withReadinessFd: false);

    private static List<int> Drain(ILink link, Instant now)
    {
        var ids = new List<int>();
        var buffer = new byte[link.Capabilities.MaxFrameLength];
        while (link.TryReceive(now, buffer, out _))
            ids.Add(TestFrames.IdOf(buffer));
        return ids;
    }

    [Fact]
    public void OutboundLoss30Percent_Over1000Frames_LandsInBand()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near, outbound: new FaultOptions { Loss = 0.3 }, seed: 7);
        using var farEnd = far;
        for (int i = 0; i < 1000; i++)
            Assert.True(faults.TrySend(Instant.Zero, TestFrames.Numbered(i)));
        int arrived = Drain(far, Instant.Zero).Count;
        Assert.InRange(1000 - arrived, 270, 330);
        Assert.Equal(1000 - arrived, faults.Outbound.Lost);
        Assert.Equal(arrived, faults.Outbound.Delivered);
        Assert.Equal(1000, faults.Outbound.Frames);
        Assert.Equal(0, faults.Inbound.Frames);
    }

    [Fact]
    public void InboundLoss30Percent_Over1000Frames_LandsInBand()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near, inbound: new FaultOptions { Loss = 0.3 }, seed: 11);
        using var farEnd = far;
        for (int i = 0; i < 1000; i++)
            far.TrySend(Instant.Zero, TestFrames.Numbered(i));
        var ids = Drain(faults, Instant.Zero);
        Assert.InRange(1000 - ids.Count, 270, 330);
        Assert.Equal(1000 - ids.Count, faults.Inbound.Lost);
        Assert.Equal(ids.Order(), ids);
    }

    [Fact]
    public void SameSeed_SameOutcome_OtherSeed_Differs()
    {
        var options = new FaultOptions { Loss = 0.1, Duplicate = 0.1, Reorder = 0.1, Corrupt = 0.1, Delay = TimeSpan.FromMilliseconds(2), Jitter = TimeSpan.FromMilliseconds(1) };
        static List<string> Run(FaultOptions options, int seed)
        {
            var (near, far) = Wire();
            using var faults = FaultInjector.Symmetric(near, options, seed);
            using var farEnd = far;
            var seen = new List<string>();
            var buffer = new byte[1514];
            for (int t = 0; t < 300; t++)
            {
                var now = Instant.FromMilliseconds(t);
                faults.TrySend(now, TestFrames.Numbered(t));
                far.TrySend(now, TestFrames.Numbered(10_000 + t));
                while (far.TryReceive(now, buffer, out int n))
                    seen.Add($"out {t} {Convert.ToHexString(buffer, 0, n)}");
                while (faults.TryReceive(now, buffer, out int n))
                    seen.Add($"in {t} {Convert.ToHexString(buffer, 0, n)}");
            }
            return seen;
        }
        var first = Run(options, 42);
        Assert.Equal(first, Run(options, 42));
        Assert.NotEqual(first, Run(options, 43));
    }

    [Fact]
    public void Duplicate_DeliversEveryFrameTwice()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near, outbound: new FaultOptions { Duplicate = 1 });
        using var farEnd = far;
        for (int i = 0; i < 5; i++)
            faults.TrySend(Instant.Zero, TestFrames.Numbered(i));
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4 }, Drain(far, Instant.Zero));
        Assert.Equal(5, faults.Outbound.Duplicated);
        Assert.Equal(10, faults.Outbound.Delivered);
    }

    [Fact]
    public void InboundDuplicate_DeliversCopyOnNextCall()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near, inbound: new FaultOptions { Duplicate = 1 });
        using var farEnd = far;
        far.TrySend(Instant.Zero, TestFrames.Numbered(1));
        far.TrySend(Instant.Zero, TestFrames.Numbered(2));
        Assert.Equal(new[] { 1, 1, 2, 2 }, Drain(faults, Instant.Zero));
        Assert.Equal(2, faults.Inbound.Duplicated);
        Assert.Equal(0, faults.Inbound.Delayed); // a copy due at once is not a delay
        Assert.Equal(4, faults.Inbound.Delivered);
    }

    [Fact]
    public void Reorder_LaterFramesOvertakeHeldOnes()
    {
        var (near, far) = Wire();
        var options = new FaultOptions { Reorder = 0.5, ReorderDelay = TimeSpan.FromMilliseconds(3) };
        using var faults = new FaultInjector(near, outbound: options, seed: 5);
        using var farEnd = far;
        for (int i = 0; i < 20; i++)
            faults.TrySend(Instant.Zero, TestFrames.Numbered(i));
        var early = Drain(far, Instant.Zero);
        Assert.Equal(Instant.FromMilliseconds(3), faults.NextDeadline);
        Assert.Empty(Drain(far, Instant.FromMilliseconds(2)));
        faults.ReleaseDue(Instant.FromMilliseconds(3));
        var late = Drain(far, Instant.FromMilliseconds(3));
        Assert.Equal(faults.Outbound.Reordered, late.Count);
        Assert.InRange(late.Count, 4, 16);
        Assert.Equal(Enumerable.Range(0, 20), early.Concat(late).Order());
        Assert.Equal(early.Order(), early);
        Assert.Equal(late.Order(), late);
        Assert.Equal(Instant.MaxValue, faults.NextDeadline);
    }

    [Fact]
    public void Corrupt_FlipsExactlyOneBit()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near, outbound: new FaultOptions { Corrupt = 1 }, seed: 3);
        using var farEnd = far;
        var buffer = new byte[1514];
        for (int i = 0; i < 50; i++)
        {
            var original = TestFrames.Numbered(i, 60 + i);
            var copy = original.ToArray();
            faults.TrySend(Instant.Zero, original);
            Assert.Equal(copy, original); // the caller's frame is never modified
            Assert.True(far.TryReceive(Instant.Zero, buffer, out int n));
            Assert.Equal(original.Length, n);
            int flipped = 0;
            for (int j = 0; j < n; j++)
                flipped += System.Numerics.BitOperations.PopCount((uint)(buffer[j] ^ original[j]));
            Assert.Equal(1, flipped);
        }
        Assert.Equal(50, faults.Outbound.Corrupted);
    }

    [Fact]
    public void InboundCorrupt_FlipsOneBitInReceivedFrame()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near, inbound: new FaultOptions { Corrupt = 1 }, seed: 3);
        using var farEnd = far;
        var original = TestFrames.TcpSynAck();
        far.TrySend(Instant.Zero, original);
        var buffer = new byte[1514];
        Assert.True(faults.TryReceive(Instant.Zero, buffer, out int n));
        int flipped = 0;
        for (int j = 0; j < n; j++)
            flipped += System.Numerics.BitOperations.PopCount((uint)(buffer[j] ^ original[j]));
        Assert.Equal(1, flipped);
        Assert.Equal(1, faults.Inbound.Corrupted);
    }

    [Fact]
    public void Delay_HoldsFrameUntilItsInstant()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near, outbound: new FaultOptions { Delay = TimeSpan.FromMilliseconds(10) });
        using var farEnd = far;
        faults.TrySend(Instant.FromMilliseconds(5), TestFrames.Numbered(1));
        Assert.Equal(Instant.FromMilliseconds(15), faults.NextDeadline);
        Assert.Equal(1, faults.HeldFrames);
        faults.ReleaseDue(Instant.FromMilliseconds(15) - TimeSpan.FromTicks(1));
        Assert.Empty(Drain(far, Instant.FromMilliseconds(15)));
        // Any call at or after the deadline releases it; here a TryReceive with nothing inbound.
        Assert.False(faults.TryReceive(Instant.FromMilliseconds(15), new byte[1514], out _));
        Assert.Equal(new[] { 1 }, Drain(far, Instant.FromMilliseconds(15)));
        Assert.Equal(1, faults.Outbound.Delayed);
        Assert.Equal(Instant.MaxValue, faults.NextDeadline);
    }

    [Fact]
    public void InboundDelayWithJitter_ReleasesWithinBounds_InOrder()
    {
        var (near, far) = Wire();
        var options = new FaultOptions { Delay = TimeSpan.FromMilliseconds(10), Jitter = TimeSpan.FromMilliseconds(4) };
        using var faults = new FaultInjector(near, inbound: options, seed: 9);
        using var farEnd = far;
        var buffer = new byte[1514];
        var arrivals = new List<(int Id, int Ms)>();
        for (int ms = 0; ms <= 120; ms++)
        {
            if (ms < 100)
                far.TrySend(Instant.FromMilliseconds(ms), TestFrames.Numbered(ms)); // frame i enters at i ms
            while (faults.TryReceive(Instant.FromMilliseconds(ms), buffer, out _))
                arrivals.Add((TestFrames.IdOf(buffer), ms));
        }
        Assert.Equal(100, arrivals.Count);
        Assert.All(arrivals, a => Assert.InRange(a.Ms - a.Id, 6, 14));
        Assert.True(arrivals.Select(a => a.Ms - a.Id).Distinct().Count() > 4, "jitter spreads the delays");
        // One wire: jitter spreads the arrivals but never lets a frame overtake the one ahead (only Reorder does).
        Assert.Equal(arrivals.Select(a => a.Id).Order(), arrivals.Select(a => a.Id));
        Assert.Equal(100, faults.Inbound.Delayed);
    }

    [Fact]
    public void RateLimit_SerialisesFramesAndTailDrops()
    {
        var (near, far) = Wire();
        // 1 Mbit/s: a 1250-byte frame takes 10 ms.
        using var faults = new FaultInjector(near, outbound: new FaultOptions { RateBitsPerSecond = 1_000_000 }, holdCapacity: 4);
        using var farEnd = far;
        for (int i = 0; i < 6; i++)
            Assert.True(faults.TrySend(Instant.Zero, TestFrames.Numbered(i, 1250)));
        Assert.Equal(2, faults.Outbound.Overflowed);
        var arrivals = new List<(int Id, int Ms)>();
        for (int ms = 0; ms <= 60; ms++)
        {
            faults.ReleaseDue(Instant.FromMilliseconds(ms));
            foreach (int id in Drain(far, Instant.FromMilliseconds(ms)))
                arrivals.Add((id, ms));
        }
        Assert.Equal(new[] { (0, 10), (1, 20), (2, 30), (3, 40) }, arrivals);
    }

    [Fact]
    public void NoFaults_PassesThroughUntouched()
    {
        var (near, far) = Wire();
        using var faults = new FaultInjector(near);
        using var farEnd = far;
        faults.TrySend(Instant.Zero, TestFrames.Numbered(1));
        far.TrySend(Instant.Zero, TestFrames.Numbered(2));
        Assert.Equal(new[] { 1 }, Drain(far, Instant.Zero));
        Assert.Equal(new[] { 2 }, Drain(faults, Instant.Zero));
        Assert.Equal(1, faults.Outbound.Delivered);
        Assert.Equal(1, faults.Inbound.Delivered);
    }

    [Fact]
    public void InvalidOptions_Throw()
    {
        var (near, far) = Wire();
        using var nearEnd = near;
        using var farEnd = far;
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultInjector(near, outbound: new FaultOptions { Loss = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultInjector(near, inbound: new FaultOptions { Delay = TimeSpan.FromMilliseconds(-1) }));
    }
}
