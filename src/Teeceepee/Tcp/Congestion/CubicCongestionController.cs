namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// CUBIC congestion control (RFC 9438) with HyStart++ in slow start (RFC 9406). The TCB detects the events; this class
/// owns cwnd and ssthresh. Window arithmetic is in bytes; the cubic curve is evaluated in segments and seconds as the
/// RFC writes it: W_cubic(t) = C·(t − K)³ + W_max (§4.2), with the Reno estimate W_est for the TCP-friendly region (§4.3).
/// </summary>
public sealed class CubicCongestionController : ICongestionController
{
    /// <summary>RFC 9438 §4.2: C = 0.4 (segments per second cubed).</summary>
    public const double C = 0.4;

    /// <summary>RFC 9438 §4.6: β_cubic = 0.7, the multiplicative decrease factor.</summary>
    public const double Beta = 0.7;

    // RFC 9438 §4.3: α_cubic = 3(1 − β)/(1 + β), so the Reno estimate grows as fast on average as Reno with β = 0.5.
    private const double AlphaCubic = 3 * (1 - Beta) / (1 + Beta);
    private const int MaxWindow = 1 << 30;

    private readonly HyStartPlusPlus _hystart = new();
    private int _mss;
    private double _window;           // cwnd in bytes, fractional so per-ACK increments below one octet accumulate
    private bool _dataSeen;
    private bool _timedOut;
    private bool _slowStartAfterTimeout;

    // RFC 9438 §4.1 state.
    private Instant? _epochStart;     // t = 0 of the current congestion-avoidance epoch
    private double _wMax;             // W_max in segments (window before the last reduction, after fast convergence)
    private double _wLastMax;         // the previous W_max, for fast convergence (§4.7)
    private double _k;                // K in seconds
    private double _wEst;             // W_est in segments (§4.3)
    private double _cwndPrior;        // cwnd before the last reduction, in segments (§4.3: α becomes 1 above it)
    private TimeSpan _srtt;           // the RTT the curve looks ahead by (§4.2: W_cubic(t + RTT))

    // RFC 9438 §4.6 / §5.8: the highest flight of this round and of the last one; cwnd grows only while it is used.
    private int _flightHigh;
    private int _flightHighLast;

    // RFC 4015 §3 undo: the state before the last reduction.
    private double _undoWindow;
    private int _undoThreshold;
    private double _undoWMax;
    private double _undoWLastMax;

    /// <summary>Creates the controller for an initial SMSS; cwnd starts at the RFC 6928 initial window.</summary>
    public CubicCongestionController(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        _window = NewRenoCongestionController.InitialWindow(mss);
        SlowStartThreshold = MaxWindow; // RFC 9438 §4.10: slow start until the first congestion event
    }

    /// <inheritdoc />
    public int Window => (int)Math.Min(_window, MaxWindow);

    /// <inheritdoc />
    public int SlowStartThreshold { get; private set; }

    /// <inheritdoc />
    public bool InRecovery { get; private set; }

    /// <summary>0: CUBIC is ACK-clocked; the TCB may pace it at a cwnd/SRTT-derived rate (TcpConfig.Pacing).</summary>
    public long PacingRate => 0;

    /// <inheritdoc />
    public string Name => "cubic";

    /// <inheritdoc />
    public string Phase =>
        InRecovery ? "recovery"
        : _slowStartAfterTimeout && _window < SlowStartThreshold ? "loss"
        : _window < SlowStartThreshold ? (_hystart.InConservativeSlowStart ? "conservative-slow-start" : "slow-start")
        : "congestion-avoidance";

    /// <summary>W_max in segments (RFC 9438 §4.1), 0 before the first congestion event.</summary>
    public double WMax => _wMax;

    /// <summary>K in seconds (RFC 9438 §4.2 eqn 2) of the current epoch.</summary>
    public double K => _k;

    /// <summary>W_est in segments (RFC 9438 §4.3).</summary>
    public double RenoEstimate => _wEst;

    /// <summary>The HyStart++ state (RFC 9406).</summary>
    public HyStartPlusPlus HyStart => _hystart;

    /// <inheritdoc />
    public void SetMss(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        _window = _dataSeen ? Math.Max(_window, mss) : NewRenoCongestionController.InitialWindow(mss);
    }

    /// <summary>W_cubic(t) in segments for <paramref name="t"/> seconds into the epoch (RFC 9438 §4.2 eqn 1).</summary>
    public double CubicWindow(double t) => (C * Math.Pow(t - _k, 3)) + _wMax;

    /// <inheritdoc />
    public void OnAck(in TcpAckEvent ack)
    {
        if (ack.RttSample is { } rtt && rtt > TimeSpan.Zero)
            _srtt = _srtt == TimeSpan.Zero ? rtt : TimeSpan.FromTicks(((7 * _srtt.Ticks) + rtt.Ticks) / 8);
        bool slowStart = _window < SlowStartThreshold && !InRecovery;
        if (slowStart)
        {
            // RFC 9406 §4.2: HyStart++ watches every round's minimum RTT in slow start.
            if (ack.RoundStart)
                _hystart.OnRoundStart();
            if (ack.RttSample is { } sample)
                _hystart.OnRttSample(sample);
            if (_hystart.ShouldLeaveSlowStart)
            {
                // RFC 9406 §4.2: CSS_ROUNDS rounds in CSS without the RTT falling back: ssthresh = cwnd, avoidance.
                SlowStartThreshold = Window;
                _hystart.Finish();
            }
        }
        if (ack.RoundStart)
        {
            _flightHighLast = _flightHigh;
            _flightHigh = 0;
        }
        _flightHigh = Math.Max(_flightHigh, ack.BytesInFlight);
        if (ack.BytesAcked <= 0)
            return;
        _dataSeen = true;
        _timedOut = false;
        if (InRecovery || !WindowUsed())
            return;
        if (_window < SlowStartThreshold)
        {
            // Slow start with ABC (RFC 3465 §2.2 L = 2 SMSS, 1 SMSS after a timeout §2.3); in CSS the growth is divided
            // by CSS_GROWTH_DIVISOR (RFC 9406 §4.2).
            int limit = _slowStartAfterTimeout ? _mss : 2 * _mss;
            double increase = Math.Min(ack.BytesAcked, limit);
            if (_hystart.InConservativeSlowStart)
                increase /= HyStartPlusPlus.CssGrowthDivisor;
            _window = Math.Min(MaxWindow, _window + increase);
            return;
        }
        _slowStartAfterTimeout = false;
        CongestionAvoidance(ack.Now, ack.BytesAcked);
    }

    /// <summary>
    /// RFC 9438 §4.6: a controller that reduces from cwnd (not from the flight size) MUST keep cwnd from growing while
    /// less than cwnd is in flight; §5.8: nor while the sender is application- or receiver-window-limited. The window
    /// counts as used when the highest flight of this round or the last reached it, less three segments of slack (the
    /// flight before an ACK is a pacing gap or a super-segment short of cwnd). Linux lets slow start grow to twice the
    /// flight; that is not enough here: a receiver-window-limited slow start (autotuning opens the window stepwise) then
    /// holds cwnd far above the flight, and an ECN-Echo's β reduction (§4.6) leaves the flight where it was (path (e):
    /// 99 queue drops in simulation with it, none without).
    /// </summary>
    private bool WindowUsed() => Math.Max(_flightHigh, _flightHighLast) + (3L * _mss) >= _window;

    /// <summary>RFC 9438 §4.2-§4.4: the window follows the cubic curve, or the Reno estimate when that is larger.</summary>
    private void CongestionAvoidance(Instant now, int bytesAcked)
    {
        double cwnd = _window / _mss;
        if (_epochStart is null)
        {
            // §4.2: a new epoch starts with the first ACK in congestion avoidance.
            _epochStart = now;
            if (cwnd < _wMax)
            {
                _k = Math.Cbrt((_wMax - cwnd) / C);
            }
            else
            {
                _k = 0;
                _wMax = cwnd; // §4.2: W_max is raised to cwnd when the epoch starts above it (slow start overshoot)
            }
            _wEst = cwnd;
        }
        double segmentsAcked = (double)bytesAcked / _mss;
        // §4.3: W_est += α_cubic · segments_acked / cwnd, with α = 1 once W_est reaches cwnd_prior.
        double alpha = _wEst >= _cwndPrior ? 1.0 : AlphaCubic;
        _wEst += alpha * segmentsAcked / cwnd;

        double t = (now - _epochStart.Value).TotalSeconds;
        double wCubic = CubicWindow(t);
        if (wCubic < _wEst)
        {
            // §4.3 Reno-friendly region: cwnd = W_est.
            cwnd = Math.Max(cwnd, _wEst);
        }
        else
        {
            // §4.4/§4.5: target = W_cubic(t + RTT) bounded to [cwnd, 1.5 cwnd]; cwnd += (target − cwnd)/cwnd per segment.
            double target = Math.Clamp(CubicWindow(t + _srtt.TotalSeconds), cwnd, 1.5 * cwnd);
            cwnd += (target - cwnd) / cwnd * segmentsAcked;
        }
        _window = Math.Min(MaxWindow, cwnd * _mss);
    }

    /// <inheritdoc />
    public void OnLossDetected(long bytesLost, int bytesInFlight)
    {
    }

    /// <summary>Loss starts recovery: one CUBIC reduction (RFC 9438 §4.6), cwnd = ssthresh + 3 SMSS for NewReno inflation.</summary>
    public void OnRecoveryStart(int bytesInFlight)
    {
        _dataSeen = true;
        if (InRecovery)
            return;
        Reduce();
        _window = Math.Min(MaxWindow, SlowStartThreshold + (3.0 * _mss));
        InRecovery = true;
    }

    /// <summary>RFC 6937 §3: cwnd = pipe + sndcnt.</summary>
    public void OnRecoveryQuota(long pipe, long sendQuota)
    {
        if (InRecovery)
            _window = Math.Clamp(pipe + Math.Max(0, sendQuota), 0, MaxWindow);
    }

    /// <summary>RFC 5681 §3.2 step 4: cwnd += SMSS per further duplicate ACK in NewReno recovery.</summary>
    public void OnDuplicateAck(int bytesInFlight)
    {
        if (InRecovery)
            _window = Math.Min(MaxWindow, _window + _mss);
    }

    /// <summary>RFC 6582 §3.2 step 5: deflate by what was ACKed, plus one SMSS if at least one SMSS was.</summary>
    public void OnPartialAck(int bytesAcked)
    {
        if (!InRecovery || bytesAcked <= 0)
            return;
        double window = _window - bytesAcked + (bytesAcked >= _mss ? _mss : 0);
        _window = Math.Max(window, _mss);
    }

    /// <summary>Full ACK: cwnd = min(ssthresh, max(flight, SMSS) + SMSS) (RFC 6582 §3.2 step 6); a new epoch starts.</summary>
    public void OnRecoveryEnd(int bytesInFlight)
    {
        if (!InRecovery)
            return;
        _window = Math.Min(SlowStartThreshold, Math.Max((long)bytesInFlight, _mss) + _mss);
        InRecovery = false;
        _epochStart = null;
    }

    /// <summary>RFC 9438 §4.8: a timeout reduces like a congestion event (once per episode), then cwnd = 1 SMSS.</summary>
    public void OnRetransmitTimeout(int bytesInFlight)
    {
        _dataSeen = true;
        if (!_timedOut && !InRecovery)
            Reduce();
        _timedOut = true;
        _slowStartAfterTimeout = true;
        _window = _mss;
        InRecovery = false;
        _epochStart = null;
    }

    /// <summary>RFC 9438 §4.9 with RFC 4015 §3: a spurious reduction is undone (cwnd, ssthresh, W_max restored).</summary>
    public void OnSpuriousRecovery()
    {
        if (_undoWindow == 0)
            return;
        _window = Math.Max(_window, _undoWindow);
        SlowStartThreshold = Math.Max(SlowStartThreshold, _undoThreshold);
        _wMax = _undoWMax;
        _wLastMax = _undoWLastMax;
        InRecovery = false;
        _timedOut = false;
        _slowStartAfterTimeout = false;
        _epochStart = null;
        _undoWindow = 0;
    }

    /// <summary>RFC 3168 §6.1.2 / RFC 9438 §4.6: ECN-Echo reduces like loss, cwnd = ssthresh, nothing resent.</summary>
    public void OnEcnEcho(int bytesInFlight)
    {
        _dataSeen = true;
        if (InRecovery)
            return;
        Reduce();
        _window = SlowStartThreshold;
    }

    /// <summary>
    /// RFC 9438 §4.6-§4.7: ssthresh = cwnd·β; W_max = cwnd, or cwnd·(1 + β)/2 under fast convergence (a W_max below the
    /// previous one means a new flow is taking its share); a new epoch starts at the next ACK in avoidance.
    /// </summary>
    private void Reduce()
    {
        _undoWindow = _window;
        _undoThreshold = SlowStartThreshold;
        _undoWMax = _wMax;
        _undoWLastMax = _wLastMax;
        double cwnd = _window / _mss;
        _cwndPrior = cwnd;
        if (cwnd < _wLastMax)
        {
            _wLastMax = cwnd;
            _wMax = cwnd * (1 + Beta) / 2;
        }
        else
        {
            _wLastMax = cwnd;
            _wMax = cwnd;
        }
        SlowStartThreshold = (int)Math.Max(_window * Beta, 2.0 * _mss);
        _epochStart = null;
        _hystart.Finish();
    }
}
