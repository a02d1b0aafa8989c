using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

/// <summary>Two memory wires joined by a <see cref="PathEmulator"/>, driven on virtual time.</summary>
public class PathEmulatorTests
{
    [Fact]
    public void FramesCrossEachWay_WithThatDirectionsRateAndDelay()
    {
        var (hostA, a) = MemoryLink.CreatePair(queueCapacity: 4096, withReadinessFd: false);
        var (b, hostB) = MemoryLink.CreatePair(queueCapacity: 4096, withReadinessFd: false);
        using var endA = hostA;
        using var endB = hostB;
        // A to B: 10 Mbit/s (1250 octets = 1 ms) then 20 ms; B to A: 5 ms, no rate.
        var aToB = new FaultOptions { RateBitsPerSecond = 10_000_000, Delay = TimeSpan.FromMilliseconds(20) };
        var bToA = new FaultOptions { Delay = TimeSpan.FromMilliseconds(5) };
        using var path = new PathEmulator(a, b, aToB, bToA, seed: 1);
        for (int i = 0; i < 3; i++)
            hostA.TrySend(Instant.Zero, TestFrames.Numbered(i, 1250));
        hostB.TrySend(Instant.Zero, TestFrames.Numbered(100, 64));

        var atB = new List<(int, int)>();
        var atA = new List<(int, int)>();
        var buffer = new byte[1514];
        for (int ms = 0; ms <= 40; ms++)
        {
            var now = Instant.FromMilliseconds(ms);
            path.Poll(now);
            while (hostB.TryReceive(now, buffer, out _))
                atB.Add((TestFrames.IdOf(buffer), ms));
            while (hostA.TryReceive(now, buffer, out _))
                atA.Add((TestFrames.IdOf(buffer), ms));
        }
        Assert.Equal(new[] { (0, 21), (1, 22), (2, 23) }, atB);
        Assert.Equal(new[] { (100, 5) }, atA);
        Assert.Equal(3, path.AToB.Delivered);
        Assert.Equal(1, path.BToA.Delivered);
    }

    [Fact]
    public void NextDeadline_IsTheNextHeldFrame_InEitherDirection()
    {
        var (hostA, a) = MemoryLink.CreatePair(withReadinessFd: false);
        var (b, hostB) = MemoryLink.CreatePair(withReadinessFd: false);
        using var endA = hostA;
        using var endB = hostB;
        using var path = new PathEmulator(a, b, new FaultOptions { Delay = TimeSpan.FromMilliseconds(30) }, new FaultOptions { Delay = TimeSpan.FromMilliseconds(7) });
        Assert.Equal(Instant.MaxValue, path.NextDeadline);
        hostA.TrySend(Instant.Zero, TestFrames.Numbered(1));
        path.Poll(Instant.Zero);
        Assert.Equal(Instant.FromMilliseconds(30), path.NextDeadline);
        hostB.TrySend(Instant.FromMilliseconds(1), TestFrames.Numbered(2));
        path.Poll(Instant.FromMilliseconds(1));
        Assert.Equal(Instant.FromMilliseconds(8), path.NextDeadline);
    }

    [Fact]
    public async Task Run_OnMemoryLinksWithEventFds_MovesFramesUntilCancelled()
    {
        var (hostA, a) = MemoryLink.CreatePair();
        var (b, hostB) = MemoryLink.CreatePair();
        using var endA = hostA;
        using var endB = hostB;
        using var path = new PathEmulator(a, b, new FaultOptions { Delay = TimeSpan.FromMilliseconds(2) });
        using var cts = new CancellationTokenSource();
        var loop = Task.Factory.StartNew(() => path.Run(cancellationToken: cts.Token), TaskCreationOptions.LongRunning);
        // Frames cross on the loop's own thread; this thread only watches the far end.
        for (int i = 0; i < 10; i++)
            hostA.TrySend(Instant.Zero, TestFrames.Numbered(i));
        var got = new List<int>();
        var buffer = new byte[1514];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (got.Count < 10 && DateTime.UtcNow < deadline)
        {
            if (hostB.TryReceive(Instant.Zero, buffer, out _))
                got.Add(TestFrames.IdOf(buffer));
            else
                await Task.Delay(1);
        }
        cts.Cancel();
        await loop.WaitAsync(TimeSpan.FromSeconds(10)); // the loop stops when cancelled
        Assert.Equal(Enumerable.Range(0, 10), got);
    }
}
