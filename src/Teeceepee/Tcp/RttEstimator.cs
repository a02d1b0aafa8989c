namespace Teeceepee.Tcp;

/// <summary>RFC 6298 retransmission timer state.</summary>
/// <remarks>
/// Arithmetic is in <see cref="TimeSpan"/> ticks with alpha = 1/8, beta = 1/4, K = 4 and a clock
/// granularity G of 1 ms. The base RTO is clamped to [minRto, maxRto] (§2.4, §2.5); each timeout
/// doubles it, capped at maxRto (§5.5), until the next sample recomputes it (§5.7).
/// </remarks>
public sealed class RttEstimator
{
    private static readonly long s_granularity = TimeSpan.TicksPerMillisecond;

    private readonly long _minRto;
    private readonly long _maxRto;
    private long _baseRto;
    private long _srtt = -1;
    private long _rttvar;

    /// <summary>Creates the estimator with its initial RTO (RFC 6298 §2.1: 1 s) and clamps.</summary>
    public RttEstimator(TimeSpan initialRto, TimeSpan minRto, TimeSpan maxRto)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(minRto, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRto, minRto);
        _minRto = minRto.Ticks;
        _maxRto = maxRto.Ticks;
        _baseRto = Math.Clamp(initialRto.Ticks, _minRto, _maxRto);
    }

    /// <summary>Current RTO including backoff.</summary>
    public TimeSpan Rto
    {
        get
        {
            long rto = _baseRto;
            for (int i = 0; i < BackoffCount && rto < _maxRto; i++)
                rto = rto > _maxRto / 2 ? _maxRto : rto * 2;
            return TimeSpan.FromTicks(Math.Min(rto, _maxRto));
        }
    }

    /// <summary>SRTT, or null before the first sample.</summary>
    public TimeSpan? SmoothedRtt => _srtt < 0 ? null : TimeSpan.FromTicks(_srtt);

    /// <summary>RTTVAR (zero before the first sample).</summary>
    public TimeSpan RttVariance => TimeSpan.FromTicks(_rttvar);

    /// <summary>Consecutive timeouts since the last sample.</summary>
    public int BackoffCount { get; private set; }

    /// <summary>Feeds a measurement (RFC 6298 §2.2/2.3); resets backoff.</summary>
    public void OnRttSample(TimeSpan rtt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        long r = rtt.Ticks;
        if (_srtt < 0)
        {
            // §2.2: SRTT <- R, RTTVAR <- R/2.
            _srtt = r;
            _rttvar = r / 2;
        }
        else
        {
            // §2.3: RTTVAR first (it uses the old SRTT), then SRTT.
            _rttvar = (3 * _rttvar + Math.Abs(_srtt - r)) / 4;
            _srtt = (7 * _srtt + r) / 8;
        }
        // RTO <- SRTT + max(G, K*RTTVAR), then §2.4/§2.5 clamps.
        _baseRto = Math.Clamp(_srtt + Math.Max(s_granularity, 4 * _rttvar), _minRto, _maxRto);
        BackoffCount = 0;
    }

    /// <summary>Backs off: the RTO doubles, capped at maxRto (RFC 6298 §5.5).</summary>
    public void OnRetransmitTimeout()
    {
        if (BackoffCount < 62)
            BackoffCount++;
    }
}
