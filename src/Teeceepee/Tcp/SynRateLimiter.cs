namespace Teeceepee.Tcp;

/// <summary>
/// A token bucket for SYNs that would open a connection on a listener (issue 13: overload protection, like a
/// firewall's <c>--limit</c> on new connections): <see cref="TcpConfig.SynRateLimit"/> tokens a second, at most
/// <see cref="TcpConfig.SynRateBurst"/> saved up. A SYN without a token is dropped before any work or allocation.
/// </summary>
public sealed class SynRateLimiter
{
    private readonly long _rate;
    private readonly long _capacity;   // in token-ticks: one token is TicksPerSecond of credit
    private long _credit;
    private long _last = long.MinValue;

    /// <summary>Creates a limiter of <paramref name="perSecond"/> SYNs a second (0: unlimited) with bursts of <paramref name="burst"/>.</summary>
    public SynRateLimiter(int perSecond, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        _rate = perSecond;
        _capacity = Math.Max(1, burst) * TimeSpan.TicksPerSecond;
        _credit = _capacity;
    }

    /// <summary>True when no limit is set.</summary>
    public bool IsUnlimited => _rate == 0;

    /// <summary>Takes a token for a SYN arriving at <paramref name="now"/>; false when the bucket is empty.</summary>
    public bool TryTake(Instant now)
    {
        if (_rate == 0)
            return true;
        if (now.Ticks > _last)
        {
            if (_last != long.MinValue)
            {
                long elapsed = Math.Min(now.Ticks - _last, _capacity / _rate + 1);
                _credit = Math.Min(_capacity, _credit + elapsed * _rate);
            }
            _last = now.Ticks;
        }
        if (_credit < TimeSpan.TicksPerSecond)
            return false;
        _credit -= TimeSpan.TicksPerSecond;
        return true;
    }
}
