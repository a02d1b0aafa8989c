namespace Teeceepee.Tcp;

/// <summary>
/// The timer heap's stale entries: a TCB that was rescheduled earlier or released (closed, or handed over to a
/// TIME-WAIT record) leaves its old entry behind, which holds the TCB until it pops. Counted, and purged once they
/// are more than half of the heap, so the heap stays within twice its live entries and releases TCBs promptly.
/// </summary>
public sealed partial class TcpHost
{
    private const int StaleTimerSlack = 64;
    private int _staleTimers;

    /// <summary>Entries in the timer heap, stale ones included (for tests and memory figures).</summary>
    internal int TimerHeapCount => _timers.Count;

    private void OnStaleTimerPopped()
    {
        if (_staleTimers > 0)
            _staleTimers--;
    }

    private void OnTimerStale()
    {
        _staleTimers++;
        if (_staleTimers > StaleTimerSlack && _staleTimers > _timers.Count / 2)
            PurgeStaleTimers();
    }

    private void PurgeStaleTimers()
    {
        var live = new List<(Tcb, long)>(_timers.Count - _staleTimers + 1);
        foreach (var (tcb, at) in _timers.UnorderedItems)
        {
            if (tcb.Registered && tcb.TimerAt == at)
                live.Add((tcb, at));
        }
        _timers.Clear();
        _timers.EnqueueRange(live);
        _staleTimers = 0;
    }
}
