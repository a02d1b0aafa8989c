namespace Teeceepee.Links;

/// <summary>One direction of a <see cref="FaultInjector"/>: its options, random stream, counters, hold queue and bottleneck clock.</summary>
internal sealed class FaultDirection : IDisposable
{
    private readonly Random _random;
    private Instant _bottleneckFree;

    internal FaultDirection(FaultOptions options, int seed, int holdCapacity, int maxFrameLength)
    {
        Options = options;
        _random = new Random(seed);
        Held = new DelayQueue(holdCapacity, maxFrameLength);
    }

    internal FaultOptions Options { get; }

    internal FaultCounters Counters { get; } = new();

    internal DelayQueue Held { get; }

    internal bool Passthrough => Options.IsNone;

    internal bool DrawLoss() => Options.Loss > 0 && _random.NextDouble() < Options.Loss;

    internal bool DrawDuplicate() => Options.Duplicate > 0 && _random.NextDouble() < Options.Duplicate;

    internal bool DrawCorrupt() => Options.Corrupt > 0 && _random.NextDouble() < Options.Corrupt;

    internal bool DrawReorder() => Options.Reorder > 0 && _random.NextDouble() < Options.Reorder;

    /// <summary>Flips one random bit of one random byte.</summary>
    internal void Corrupt(Span<byte> frame)
    {
        if (frame.IsEmpty)
            return;
        int index = _random.Next(frame.Length);
        frame[index] ^= (byte)(1 << _random.Next(8));
        Counters.Corrupted++;
    }

    /// <summary>
    /// When a frame of <paramref name="length"/> bytes entering at <paramref name="now"/> leaves:
    /// after the bottleneck has serialised it, plus delay and jitter, plus the reorder hold.
    /// </summary>
    internal Instant ReleaseTime(Instant now, int length, bool reorder, out Instant bottleneckFree)
    {
        Instant at = now;
        bottleneckFree = _bottleneckFree;
        if (Options.RateBitsPerSecond > 0)
        {
            Instant start = Instant.Max(now, _bottleneckFree);
            long ticks = (long)Math.Ceiling(length * 8.0 * TimeSpan.TicksPerSecond / Options.RateBitsPerSecond);
            at = start + TimeSpan.FromTicks(ticks);
            bottleneckFree = at;
        }
        long delay = Options.Delay.Ticks;
        if (Options.Jitter > TimeSpan.Zero)
            delay += (long)((_random.NextDouble() * 2 - 1) * Options.Jitter.Ticks);
        if (delay > 0)
            at += TimeSpan.FromTicks(delay);
        if (reorder)
            at += Options.ReorderDelay;
        return at;
    }

    /// <summary>Commits the bottleneck clock for a frame that was actually accepted.</summary>
    internal void CommitBottleneck(Instant bottleneckFree) => _bottleneckFree = bottleneckFree;

    /// <summary>Holds a frame until <paramref name="release"/>; counts it as delayed (when later than <paramref name="now"/>) or overflowed.</summary>
    internal bool Hold(Instant now, ReadOnlySpan<byte> frame, Instant release, Instant bottleneckFree)
    {
        if (!Held.TryAdd(frame, release))
        {
            Counters.Overflowed++;
            return false;
        }
        CommitBottleneck(bottleneckFree);
        if (release > now)
            Counters.Delayed++;
        return true;
    }

    public void Dispose() => Held.Dispose();
}
