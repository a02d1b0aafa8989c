namespace Teeceepee.Links;

/// <summary>
/// One direction of a <see cref="FaultInjector"/>: its options, random stream, counters, hold queue and the
/// bottleneck's clock (when its queue drains), from which the queue's occupancy follows at the rate.
/// </summary>
internal sealed class FaultDirection : IDisposable
{
    private readonly Random _random;
    private readonly long _queueLimit;
    private readonly long _ecnThreshold;
    private Instant _bottleneckFree;
    private Instant _lastRelease;

    internal FaultDirection(FaultOptions options, int seed, int holdCapacity, int maxFrameLength)
    {
        Options = options;
        _random = new Random(seed);
        Held = new DelayQueue(holdCapacity, maxFrameLength);
        _queueLimit = options.QueueLimitBytes;
        _ecnThreshold = options.EcnThresholdLimitBytes;
    }

    internal FaultOptions Options { get; }

    internal FaultCounters Counters { get; } = new();

    internal DelayQueue Held { get; }

    internal bool Passthrough => Options.IsNone;

    internal bool DrawLoss() => Options.Loss > 0 && _random.NextDouble() < Options.Loss;

    internal bool DrawDuplicate() => Options.Duplicate > 0 && _random.NextDouble() < Options.Duplicate;

    internal bool DrawCorrupt() => Options.Corrupt > 0 && _random.NextDouble() < Options.Corrupt;

    internal bool DrawReorder() => Options.Reorder > 0 && _random.NextDouble() < Options.Reorder;

    /// <summary>True when an IP packet of <paramref name="ipLength"/> octets falls into the MTU black hole.</summary>
    internal bool IsBlackHoled(int ipLength) => Options.BlackHoleMtu > 0 && ipLength > Options.BlackHoleMtu;

    /// <summary>Octets waiting at the bottleneck at <paramref name="now"/> (the frame being serialised included).</summary>
    internal long QueuedBytes(Instant now)
    {
        if (Options.RateBitsPerSecond == 0 || _bottleneckFree <= now)
            return 0;
        return (long)((_bottleneckFree - now).Ticks * (double)Options.RateBitsPerSecond / (8.0 * TimeSpan.TicksPerSecond));
    }

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
    /// Admits a frame of <paramref name="length"/> octets entering at <paramref name="now"/> to the bottleneck and says when
    /// it leaves: after the frames queued before it are serialised and it is, plus delay and jitter (never before the frame
    /// ahead of it unless <paramref name="reorder"/>), plus the reorder hold. False: the queue is full (tail drop).
    /// Nothing is committed until <see cref="Commit"/>.
    /// </summary>
    internal bool TryAdmit(Instant now, int length, bool reorder, out FaultAdmission admission)
    {
        Instant at = now;
        Instant bottleneckFree = _bottleneckFree;
        bool markCe = false;
        if (Options.RateBitsPerSecond > 0)
        {
            long queued = QueuedBytes(now);
            // Drop-tail: a frame that does not fit behind what waits is dropped; an empty queue takes any frame.
            if (_queueLimit > 0 && queued > 0 && queued + length > _queueLimit)
            {
                admission = default;
                return false;
            }
            // Step marking on arrival (DCTCP's K): more than the threshold already queued.
            markCe = _ecnThreshold > 0 && queued > _ecnThreshold;
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
        else if (at < _lastRelease)
            at = _lastRelease; // one wire: jitter delays, it does not reorder
        admission = new FaultAdmission(at, bottleneckFree, reorder, markCe);
        return true;
    }

    /// <summary>Commits the bottleneck clock and the order for a frame that was actually accepted.</summary>
    internal void Commit(in FaultAdmission admission)
    {
        _bottleneckFree = admission.BottleneckFree;
        if (!admission.Reordered && admission.Release > _lastRelease)
            _lastRelease = admission.Release;
    }

    /// <summary>Holds a frame until its release; counts it as delayed (when later than <paramref name="now"/>) or overflowed.</summary>
    internal bool Hold(Instant now, ReadOnlySpan<byte> frame, in FaultAdmission admission)
    {
        if (!Held.TryAdd(frame, admission.Release))
        {
            Counters.Overflowed++;
            return false;
        }
        Commit(admission);
        if (admission.Release > now)
            Counters.Delayed++;
        return true;
    }

    public void Dispose() => Held.Dispose();
}
