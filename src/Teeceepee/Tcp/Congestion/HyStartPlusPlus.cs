namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// HyStart++ (RFC 9406): leaves slow start when a round's minimum RTT rises by a threshold over the previous round's,
/// through Conservative Slow Start (CSS), which grows cwnd at a quarter of the rate for up to CSS_ROUNDS rounds and
/// returns to slow start if the RTT falls back below the baseline (a spurious exit).
/// </summary>
public sealed class HyStartPlusPlus
{
    /// <summary>RFC 9406 §4.3: MIN_RTT_THRESH.</summary>
    public static readonly TimeSpan MinRttThreshold = TimeSpan.FromMilliseconds(4);

    /// <summary>RFC 9406 §4.3: MAX_RTT_THRESH.</summary>
    public static readonly TimeSpan MaxRttThreshold = TimeSpan.FromMilliseconds(16);

    /// <summary>RFC 9406 §4.3: MIN_RTT_DIVISOR.</summary>
    public const int MinRttDivisor = 8;

    /// <summary>RFC 9406 §4.3: N_RTT_SAMPLE, RTT samples needed in a round before it is judged.</summary>
    public const int RttSamplesPerRound = 8;

    /// <summary>RFC 9406 §4.3: CSS_GROWTH_DIVISOR.</summary>
    public const int CssGrowthDivisor = 4;

    /// <summary>RFC 9406 §4.3: CSS_ROUNDS.</summary>
    public const int CssRounds = 5;

    private TimeSpan _lastRoundMinRtt = TimeSpan.MaxValue;
    private TimeSpan _currentRoundMinRtt = TimeSpan.MaxValue;
    private TimeSpan _cssBaselineMinRtt = TimeSpan.MaxValue;
    private int _rttSampleCount;
    private int _cssRoundsDone;

    /// <summary>True in Conservative Slow Start.</summary>
    public bool InConservativeSlowStart { get; private set; }

    /// <summary>True once HyStart++ has ended slow start (after CSS_ROUNDS) or a congestion event did.</summary>
    public bool Finished { get; private set; }

    /// <summary>True when CSS lasted CSS_ROUNDS rounds: the caller sets ssthresh = cwnd and enters avoidance.</summary>
    public bool ShouldLeaveSlowStart => InConservativeSlowStart && _cssRoundsDone >= CssRounds;

    /// <summary>Times CSS was entered (a delay increase detected).</summary>
    public int CssEntries { get; private set; }

    /// <summary>RFC 9406 §4.2: at a round's start the current minimum becomes the last round's and sampling restarts.</summary>
    public void OnRoundStart()
    {
        if (Finished)
            return;
        _lastRoundMinRtt = _currentRoundMinRtt;
        _currentRoundMinRtt = TimeSpan.MaxValue;
        _rttSampleCount = 0;
        if (InConservativeSlowStart)
            _cssRoundsDone++;
    }

    /// <summary>RFC 9406 §4.2: one RTT sample in slow start or CSS.</summary>
    public void OnRttSample(TimeSpan rtt)
    {
        if (Finished || rtt <= TimeSpan.Zero)
            return;
        if (rtt < _currentRoundMinRtt)
            _currentRoundMinRtt = rtt;
        _rttSampleCount++;
        if (_rttSampleCount < RttSamplesPerRound || _currentRoundMinRtt == TimeSpan.MaxValue)
            return;
        if (!InConservativeSlowStart)
        {
            if (_lastRoundMinRtt == TimeSpan.MaxValue)
                return;
            // RttThresh = clamp(lastRoundMinRTT / MIN_RTT_DIVISOR, MIN_RTT_THRESH, MAX_RTT_THRESH).
            var threshold = TimeSpan.FromTicks(Math.Clamp(_lastRoundMinRtt.Ticks / MinRttDivisor, MinRttThreshold.Ticks, MaxRttThreshold.Ticks));
            if (_currentRoundMinRtt >= _lastRoundMinRtt + threshold)
            {
                _cssBaselineMinRtt = _currentRoundMinRtt;
                InConservativeSlowStart = true;
                _cssRoundsDone = 0;
                CssEntries++;
            }
        }
        else if (_currentRoundMinRtt < _cssBaselineMinRtt)
        {
            // The delay increase was spurious: back to standard slow start.
            _cssBaselineMinRtt = TimeSpan.MaxValue;
            InConservativeSlowStart = false;
        }
    }

    /// <summary>Slow start ended (by HyStart++ or a congestion event, RFC 9406 §4.2): stop watching.</summary>
    public void Finish()
    {
        InConservativeSlowStart = false;
        Finished = true;
    }
}
