using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

/// <summary>
/// The path-emulation faults of <see cref="FaultInjector"/> on virtual time: a bottleneck rate with a drop-tail queue
/// (octets or time), delay behind the bottleneck, ECN step marking and an MTU black hole.
/// </summary>
public class PathEmulationTests
{
    private static (MemoryLink Near, MemoryLink Far) Wire() => MemoryLink.CreatePair(queueCapacity: 8192, withReadinessFd: false);

    // Runs the clock 1 ms at a time to untilMs, releasing held outbound frames, and records (id, ms) of arrivals at far.
    private static List<(int Id, int Ms)> Arrivals(FaultInjector faults, MemoryLink far, int untilMs, Func<byte[], int>? idOf = null, int fromMs = 0)
    {
        var arrivals = new List<(int, int)>();
        var buffer = new byte[far.Capabilities.MaxFrameLength];
        for (int ms = fromMs; ms <= untilMs; ms++)
        {
            faults.ReleaseDue(Instant.FromMilliseconds(ms));
            while (far.TryReceive(Instant.FromMilliseconds(ms), buffer, out _))
                arrivals.Add(((idOf ?? (b => TestFrames.IdOf(b)))(buffer), ms));
        }
        return arrivals;
    }

    [Fact]
    public void Rate10Mbit_100FramesAtOnce_LeaveOnePerMillisecond_AtTheRate()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        // 10 Mbit/s: a 1250-octet frame takes exactly 1 ms to serialise.
        using var faults = new FaultInjector(near, outbound: new FaultOptions { RateBitsPerSecond = 10_000_000 });
        for (int i = 0; i < 100; i++)
            Assert.True(faults.TrySend(Instant.Zero, TestFrames.Numbered(i, 1250)));
        var arrivals = Arrivals(faults, far, 120);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (i, i + 1)), arrivals);
        Assert.Equal(100, faults.Outbound.Delivered);
        Assert.Equal(0, faults.Outbound.QueueDropped);
    }

    [Fact]
    public void QueueInOctets_FullQueue_DropsTheTail_AndTakesFramesAgainAsItDrains()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        // 1 Mbit/s: 1250 octets = 10 ms. Room for 5000 octets: the frame in service and three behind it.
        var options = new FaultOptions { RateBitsPerSecond = 1_000_000, QueueBytes = 5000 };
        using var faults = new FaultInjector(near, outbound: options);
        for (int i = 0; i < 10; i++)
            Assert.True(faults.TrySend(Instant.Zero, TestFrames.Numbered(i, 1250)));
        Assert.Equal(6, faults.Outbound.QueueDropped);
        var arrivals = Arrivals(faults, far, 14);
        // At 15 ms, 25 ms of queue (3125 octets) remain: one more frame fits and leaves at 50 ms.
        Assert.True(faults.TrySend(Instant.FromMilliseconds(15), TestFrames.Numbered(10, 1250)));
        Assert.Equal(6, faults.Outbound.QueueDropped);
        arrivals.AddRange(Arrivals(faults, far, 80, fromMs: 15));
        Assert.Equal(new[] { (0, 10), (1, 20), (2, 30), (3, 40), (10, 50) }, arrivals);
    }

    [Fact]
    public void QueueInMilliseconds_IsOctetsAtTheRate()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        // 30 ms at 1 Mbit/s = 3750 octets: three 1250-octet frames.
        var options = new FaultOptions { RateBitsPerSecond = 1_000_000, QueueTime = TimeSpan.FromMilliseconds(30) };
        Assert.Equal(3750, options.QueueLimitBytes);
        using var faults = new FaultInjector(near, outbound: options);
        for (int i = 0; i < 5; i++)
            faults.TrySend(Instant.Zero, TestFrames.Numbered(i, 1250));
        Assert.Equal(2, faults.Outbound.QueueDropped);
        Assert.Equal(new[] { (0, 10), (1, 20), (2, 30) }, Arrivals(faults, far, 60));
    }

    [Fact]
    public void DelayBehindTheBottleneck_AddsToSerialisation()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        var options = new FaultOptions { RateBitsPerSecond = 1_000_000, Delay = TimeSpan.FromMilliseconds(50) };
        using var faults = new FaultInjector(near, outbound: options);
        faults.TrySend(Instant.Zero, TestFrames.Numbered(0, 1250));
        faults.TrySend(Instant.Zero, TestFrames.Numbered(1, 1250));
        Assert.Equal(Instant.FromMilliseconds(60), faults.NextDeadline);
        Assert.Equal(new[] { (0, 60), (1, 70) }, Arrivals(faults, far, 100));
        Assert.Equal(2, faults.Outbound.Delayed);
    }

    [Fact]
    public void EcnThreshold_EctPacketsAboveIt_MarkedCe_WithValidHeaderChecksum()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        // Queued octets on arrival: 0, 1250, 2500, 3750, ...: above 2000 from the third frame on.
        var options = new FaultOptions { RateBitsPerSecond = 1_000_000, EcnThresholdBytes = 2000 };
        using var faults = new FaultInjector(near, outbound: options);
        byte[] ecn = [0b10, 0b10, 0b10, 0b10, 0b01, 0b00, 0b11];
        for (int i = 0; i < ecn.Length; i++)
            faults.TrySend(Instant.Zero, TestFrames.NumberedIPv4(i, 1250, ecn[i]));
        var buffer = new byte[1514];
        var seen = new List<(int Id, int Ecn)>();
        for (int ms = 0; ms <= 100; ms++)
        {
            faults.ReleaseDue(Instant.FromMilliseconds(ms));
            while (far.TryReceive(Instant.FromMilliseconds(ms), buffer, out _))
            {
                Assert.True(TestFrames.IPv4HeaderChecksumValid(buffer));
                seen.Add((TestFrames.IPv4IdOf(buffer), buffer[15] & 3));
            }
        }
        // ECT(0) and ECT(1) above the threshold become CE; Not-ECT passes unmarked (a router would drop it); CE stays CE.
        Assert.Equal(new[] { (0, 0b10), (1, 0b10), (2, 0b11), (3, 0b11), (4, 0b11), (5, 0b00), (6, 0b11) }, seen);
        Assert.Equal(3, faults.Outbound.EcnMarked);
        Assert.Equal(0, faults.Outbound.QueueDropped);
    }

    [Fact]
    public void BlackHoleMtu_LongerPacketsVanish_ShorterPass()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        using var faults = new FaultInjector(near, outbound: new FaultOptions { BlackHoleMtu = 1400 });
        Assert.True(faults.TrySend(Instant.Zero, TestFrames.NumberedIPv4(1, 14 + 1500)));  // silently gone: the sender learns nothing
        Assert.True(faults.TrySend(Instant.Zero, TestFrames.NumberedIPv4(2, 14 + 1400)));
        Assert.True(faults.TrySend(Instant.Zero, TestFrames.NumberedIPv4(3, 14 + 1401)));
        Assert.Equal(new[] { (2, 0) }, Arrivals(faults, far, 0, b => TestFrames.IPv4IdOf(b)));
        Assert.Equal(2, faults.Outbound.BlackHoled);
        Assert.Equal(1, faults.Outbound.Delivered);
    }

    [Fact]
    public void InboundRateAndQueue_ApplyToReceivedFrames()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        var options = new FaultOptions { RateBitsPerSecond = 1_000_000, QueueBytes = 2500 };
        using var faults = new FaultInjector(near, inbound: options);
        for (int i = 0; i < 5; i++)
            far.TrySend(Instant.Zero, TestFrames.Numbered(i, 1250));
        var buffer = new byte[1514];
        var arrivals = new List<(int, int)>();
        for (int ms = 0; ms <= 50; ms++)
        {
            while (faults.TryReceive(Instant.FromMilliseconds(ms), buffer, out _))
                arrivals.Add((TestFrames.IdOf(buffer), ms));
        }
        Assert.Equal(new[] { (0, 10), (1, 20) }, arrivals);
        Assert.Equal(3, faults.Inbound.QueueDropped);
    }

    [Fact]
    public void WholePath_SameSeed_SameArrivals_OtherSeed_Differs()
    {
        static List<(int, int)> Run(int seed)
        {
            var (near, far) = Wire();
            using var farEnd = far;
            var options = new FaultOptions
            {
                RateBitsPerSecond = 2_000_000, QueueTime = TimeSpan.FromMilliseconds(40), Delay = TimeSpan.FromMilliseconds(20),
                Jitter = TimeSpan.FromMilliseconds(5), Loss = 0.05,
            };
            using var faults = new FaultInjector(near, outbound: options, seed: seed);
            var arrivals = new List<(int, int)>();
            var buffer = new byte[1514];
            for (int ms = 0; ms < 400; ms++)
            {
                var now = Instant.FromMilliseconds(ms);
                if (ms < 200)
                    faults.TrySend(now, TestFrames.Numbered(ms, 200)); // 1.6 Mbit/s offered: below the rate
                faults.ReleaseDue(now);
                while (far.TryReceive(now, buffer, out _))
                    arrivals.Add((TestFrames.IdOf(buffer), ms));
            }
            return arrivals;
        }
        var first = Run(3);
        Assert.Equal(first, Run(3));
        Assert.NotEqual(first, Run(4));
        // In order despite the jitter, and about 5 % lost.
        Assert.Equal(first.Select(a => a.Item1).Order(), first.Select(a => a.Item1));
        Assert.InRange(first.Count, 175, 197);
    }

    [Fact]
    public void QueueWithoutRate_IsRefused()
    {
        var (near, far) = Wire();
        using var farEnd = far;
        using var nearEnd = near;
        Assert.Throws<ArgumentException>(() => new FaultInjector(near, outbound: new FaultOptions { QueueBytes = 1000 }));
        Assert.Throws<ArgumentException>(() => new FaultInjector(near, outbound: new FaultOptions { EcnThresholdTime = TimeSpan.FromMilliseconds(1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaultInjector(near, outbound: new FaultOptions { BlackHoleMtu = -1 }));
    }
}
