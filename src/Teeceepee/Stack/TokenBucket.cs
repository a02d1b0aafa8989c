namespace Teeceepee.Stack;

/// <summary>
/// A token bucket on the stack's clock, for rate limiting ICMP errors (RFC 1812 §4.3.2.8,
/// RFC 1122 §3.2.2). Pure: time is passed in. Credit is kept in clock ticks, so refills are exact.
/// </summary>
internal struct TokenBucket
{
    private readonly long _ticksPerToken;
    private readonly long _capacity;
    private long _credit;
    private Instant _last;

    /// <summary>A full bucket of <paramref name="burst"/> tokens refilled at <paramref name="perSecond"/>.</summary>
    public TokenBucket(double perSecond, int burst)
    {
        _ticksPerToken = Math.Max(1, (long)Math.Round(TimeSpan.TicksPerSecond / perSecond));
        _capacity = _ticksPerToken * Math.Max(1, burst);
        _credit = _capacity;
        _last = Instant.Zero;
    }

    /// <summary>Takes one token if there is one.</summary>
    public bool TryTake(Instant now)
    {
        if (now > _last)
        {
            long elapsed = now.Ticks - _last.Ticks;
            _credit = elapsed >= _capacity - _credit ? _capacity : _credit + elapsed;
            _last = now;
        }
        if (_credit < _ticksPerToken)
            return false;
        _credit -= _ticksPerToken;
        return true;
    }
}
