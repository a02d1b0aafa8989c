using Teeceepee.Tcp;

namespace Teeceepee.Stack;

// Memory that outlives connections (issue 13 item 2): the rings' pool is trimmed to the last interval's working set,
// so a burst of connections gives its rings back within two intervals of ending. Only the real-time runner trims
// (Stack/Loop/LoopRunner.cs): simulations on virtual time share the process's pool and stay as they were.
public sealed partial class NetworkStack
{
    /// <summary>How often loop 0 trims the ring pool (<see cref="TrimmingArrayPool.Trim"/>): what an interval did not use is freed.</summary>
    internal static readonly TimeSpan RingTrimInterval = TimeSpan.FromSeconds(5);

    private Instant _nextRingTrim;
    private bool _ringTrimArmed;

    /// <summary>Trims the ring pool when its interval has passed (loop 0 only: the pool is the process's); runner only.</summary>
    internal void TrimRings(Instant now)
    {
        if (_loopIndex != 0)
            return;
        if (!_ringTrimArmed)
        {
            _ringTrimArmed = true;
            _nextRingTrim = now + RingTrimInterval;
            return;
        }
        if (now < _nextRingTrim)
            return;
        long freed = RingPool.Rings.Trim();
        _nextRingTrim = now + RingTrimInterval;
        if (freed > 0 && IsTracing)
            Trace($"ring pool trimmed: {freed / 1024} KiB not used in {RingTrimInterval.TotalSeconds:F0} s freed");
    }

    /// <summary>True while the runner should wake for a trim: loop 0 and the pool holds arrays (an idle loop with an empty pool sleeps on).</summary>
    internal bool HasRingsToTrim => _loopIndex == 0 && RingPool.Rings.RetainedBytes > 0;
}
