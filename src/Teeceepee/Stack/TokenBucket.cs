namespace Teeceepee.Stack;

/// <summary>
/// A token bucket on the stack's clock, for rate limiting ICMP errors (RFC 1812 §4.3.2.8,
/// RFC 1122 §3.2.2). Pure: time is passed in.
/// </summary>
internal struct TokenBucket
{
    private readonly double _ratePerTick;
    private readonly double _capacity;
    private double _tokens;
    private Instant _last;

    /// <summary>A full bucket of <paramref name="burst"/> tokens refilled at <paramref name="perSecond"/>.</summary>
    public TokenBucket(double perSecond, int burst)
    {
        _ratePerTick = perSecond / TimeSpan.TicksPerSecond;
        _capacity = burst;
        _tokens = burst;
        _last = Instant.Zero;
    }

    /// <summary>Takes one token if there is one.</summary>
    public bool TryTake(Instant now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(_capacity, _tokens + (now.Ticks - _last.Ticks) * _ratePerTick);
            _last = now;
        }
        if (_tokens < 1)
            return false;
        _tokens -= 1;
        return true;
    }
}
