namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// BBR congestion control as draft-ietf-ccwg-bbr (BBRv3, -06) specifies it: a model of the path (the maximum recent delivery
/// rate, max_bw, over two ProbeBW cycles and the minimum RTT over 10 s) sets the pacing rate (always paced) and cwnd;
/// Startup, Drain, ProbeBW (DOWN, CRUISE, REFILL, UP) and ProbeRTT move between probing and draining; loss above 2 %
/// of a flight bounds inflight from above (inflight_longterm, here InflightHigh) and, outside probing, every round with a
/// loss cuts bw_shortterm/inflight_shortterm (BwLow/InflightLow). Sizes in bytes, rates in bytes per second. Rounds are
/// counted here from the delivery-rate samples (§5.5.1). Split by concern: ProbeBW, ProbeRTT and loss in partial files.
/// </summary>
public sealed partial class BbrCongestionController : ICongestionController
{
    /// <summary>Startup pacing gain 4·ln 2 ≈ 2.77: doubles the sending rate each round (§2.5).</summary>
    public const double StartupPacingGain = 2.77;
    /// <summary>Startup and ProbeBW cwnd gain.</summary>
    public const double DefaultCwndGain = 2.0;
    /// <summary>BBR.DrainPacingGain (§5.3.2): 0.5 empties Startup's queue in about one round.</summary>
    public const double DrainPacingGain = 0.5;
    /// <summary>BBRLossThresh: the loss rate of a flight that marks inflight as too high.</summary>
    public const double LossThreshold = 0.02;
    /// <summary>BBRBeta: multiplicative cut of the lower and upper bounds on loss.</summary>
    public const double Beta = 0.7;
    /// <summary>BBRHeadroom: the share of inflight_hi left free outside probing.</summary>
    public const double Headroom = 0.15;
    /// <summary>BBRMinPipeCwnd in segments.</summary>
    public const int MinPipeCwndSegments = 4;
    /// <summary>BBRProbeRTTCwndGain: cwnd in ProbeRTT is half the BDP (at least BBRMinPipeCwnd).</summary>
    public const double ProbeRttCwndGain = 0.5;
    /// <summary>MinRTTFilterLen.</summary>
    public static readonly TimeSpan MinRttFilterLength = TimeSpan.FromSeconds(10);
    /// <summary>ProbeRTTInterval: ProbeRTT when no new minimum was seen for this long.</summary>
    public static readonly TimeSpan ProbeRttInterval = TimeSpan.FromSeconds(5);
    /// <summary>ProbeRTTDuration: how long ProbeRTT holds the small cwnd (and at least one round).</summary>
    public static readonly TimeSpan ProbeRttDuration = TimeSpan.FromMilliseconds(200);

    private const double PacingMargin = 0.01;          // BBRPacingMarginPercent
    private const double FullBwThreshold = 1.25;       // growth that counts as "still growing"
    private const int FullBwCount = 3;                 // rounds without it: the pipe is full
    private const int DrainMaxRounds = 3;              // §5.3.2: Drain ends after 3 rounds even if inflight stays high
    private const int StartupFullLossCount = 6;        // BBRStartupFullLossCnt
    private const int ExtraAckedFilterRounds = 10;     // BBRExtraAckedFilterLen
    private const long Infinite = long.MaxValue;
    private const int MaxWindow = 1 << 30;

    private enum AckPhase { Init, ProbeStarting, ProbeFeedback, ProbeStopping, Refilling }

    private readonly BbrPathModel _model = new();
    private uint _random;
    private int _mss;
    private long _cwnd;
    private long _priorCwnd;
    private bool _dataSeen;
    private Instant _now;
    private TimeSpan _lifetimeMinRtt = TimeSpan.MaxValue; // C.min_rtt: rate samples over a shorter interval are dropped

    // Round counting (C.delivered, BBR.next_round_delivered).
    private long _delivered;
    private long _nextRoundDelivered;
    private long _roundCount;
    private bool _roundStart;
    private long _drainStartRound;

    // The latest rate sample as the controller uses it (RS): filtered rate, app-limited mark, tx_in_flight.
    private double _rsRate;
    private bool _rsAppLimited;
    private long _rsTxInFlight;

    // Startup's full-pipe detection.
    private bool _fullBwReached;
    private bool _fullBwNow;
    private double _fullBw;
    private int _fullBwCount;

    // Gains and the ProbeBW cycle.
    private double _pacingGain = StartupPacingGain;
    private double _cwndGain = DefaultCwndGain;
    private double _pacingRate;
    private Instant _cycleStamp;
    private TimeSpan _bwProbeWait;
    private long _roundsSinceBwProbe;
    private AckPhase _ackPhase;
    private bool _bwProbeSamples;
    private long _probeUpCount = Infinite;
    private long _probeUpAcks;
    private int _probeUpRounds;
    private bool _prevProbeTooHigh;
    private bool _prevProbePrecautionary;

    // Congestion signals of the current loss round (BBR.loss_round_delivered, BBR.is_loss_in_round, lost octets, events).
    private long _lossRoundDelivered;
    private bool _lossInRound;
    private long _lostInRound;
    private int _lossEventsInRound;

    // Recovery and ProbeRTT.
    private Instant _probeRttDoneStamp;
    private bool _probeRttRoundDone;
    private bool _probeRttDoneStampSet;
    private long _appLimitedFrom = Infinite;   // ProbeRTT's MarkConnectionAppLimited: samples of segments sent while
    private long _appLimitedUntil;             // C.delivered was in [from, until) are app-limited

    /// <summary>
    /// Creates the controller for an initial SMSS; <paramref name="seed"/> picks the random probe waits,
    /// <paramref name="lossResponse"/> how the short-term model answers loss (the draft's by default).
    /// </summary>
    public BbrCongestionController(int mss, int seed = 1, BbrLossResponse lossResponse = BbrLossResponse.Draft)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        LossResponse = lossResponse;
        _cwnd = NewRenoCongestionController.InitialWindow(mss);
        _random = (uint)seed | 1;
        _model.Reset(_cwnd);
        State = BbrState.Startup;
        _pacingRate = StartupPacingGain * _cwnd / 0.001; // BBRInitPacingRate with a nominal 1 ms until an RTT is known
    }

    /// <inheritdoc />
    public int Window => (int)Math.Min(_cwnd, MaxWindow);

    /// <summary>BBR keeps no ssthresh: Linux's "infinite" value.</summary>
    public int SlowStartThreshold => int.MaxValue;

    /// <inheritdoc />
    public bool InRecovery { get; private set; }

    /// <inheritdoc />
    public long PacingRate => (long)_pacingRate;

    /// <inheritdoc />
    public string Name => LossResponse == BbrLossResponse.Draft ? "bbr" : "bbr-lt";

    /// <summary>How the short-term model answers loss outside probing.</summary>
    public BbrLossResponse LossResponse { get; }

    /// <summary>The state of BBR's state machine.</summary>
    public BbrState State { get; private set; }

    /// <inheritdoc />
    public string Phase => State switch
    {
        BbrState.Startup => "startup",
        BbrState.Drain => "drain",
        BbrState.ProbeBwDown => "probe-bw-down",
        BbrState.ProbeBwCruise => "probe-bw-cruise",
        BbrState.ProbeBwRefill => "probe-bw-refill",
        BbrState.ProbeBwUp => "probe-bw-up",
        _ => "probe-rtt",
    };

    /// <summary>BBR.max_bw in bytes per second (0 before a sample).</summary>
    public long MaxBandwidth => (long)_model.MaxBw;

    /// <summary>BBR.bw, the bandwidth the model uses: min(max_bw, bw_lo).</summary>
    public long Bandwidth => (long)_model.Bw;

    /// <inheritdoc />
    public long BandwidthEstimate => (long)_model.Bw;

    /// <summary>BBR.min_rtt; null before a sample.</summary>
    public TimeSpan? MinRtt => _model.MinRtt == TimeSpan.MaxValue ? null : _model.MinRtt;

    /// <inheritdoc />
    public TimeSpan? MinRttEstimate => MinRtt;

    /// <summary>BBR.inflight_longterm (inflight_hi) in bytes; <see cref="long.MaxValue"/> while unbounded.</summary>
    public long InflightHigh => _model.InflightHi;

    /// <summary>BBR.inflight_shortterm (inflight_lo) in bytes; <see cref="long.MaxValue"/> while unbounded.</summary>
    public long InflightLow => _model.InflightLo;

    /// <summary>BBR.bw_shortterm (bw_lo) in bytes per second; <see cref="long.MaxValue"/> while unbounded.</summary>
    public long BandwidthLow => double.IsPositiveInfinity(_model.BwLo) ? long.MaxValue : (long)_model.BwLo;

    /// <summary>BBR's C.inflight is the pipe (draft-ietf-ccwg-bbr §2.2).</summary>
    public bool UsesPipe => true;

    /// <summary>True once Startup found the pipe full (BBR.full_bw_reached).</summary>
    public bool FullBandwidthReached => _fullBwReached;

    /// <summary>Rounds counted so far.</summary>
    public long RoundCount => _roundCount;

    /// <summary>BBR.pacing_gain now.</summary>
    public double PacingGain => _pacingGain;

    /// <inheritdoc />
    public void SetMss(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        if (!_dataSeen)
            _cwnd = NewRenoCongestionController.InitialWindow(mss);
        _cwnd = Math.Max(_cwnd, MinPipeCwnd);
    }

    private long MinPipeCwnd => (long)MinPipeCwndSegments * _mss;

    /// <summary>The draft's UpdateOnACK (§5.2.3): update the model and the state, then pacing rate and cwnd.</summary>
    public void OnAck(in TcpAckEvent ack)
    {
        if (ack.BytesDelivered <= 0 && ack.RttSample is null)
            return;
        _now = ack.Now;
        if (ack.BytesDelivered > 0)
            _dataSeen = true;
        var rs = ack.Rate;
        // C.inflight after this ACK: the TCB's pipe, else the flight less what this ACK delivered.
        long inflight = ack.Pipe ?? Math.Max(0, ack.BytesInFlight - ack.BytesDelivered);
        bool cwndLimited = inflight + Math.Max(0, ack.BytesDelivered) + _mss >= _cwnd;
        if (ack.RttSample is { } sample && !ack.RttSampleFromRetransmission && sample > TimeSpan.Zero && sample < _lifetimeMinRtt)
            _lifetimeMinRtt = sample;

        // Round counting (§5.5.1): a round ends when a segment sent after the round began is delivered.
        _delivered += Math.Max(0, ack.BytesDelivered);
        if (rs.Delivered > 0)
            _delivered = Math.Max(_delivered, rs.PriorDelivered + rs.Delivered);
        _roundStart = false;
        if (rs.Delivered > 0 && rs.PriorDelivered >= _nextRoundDelivered)
        {
            _nextRoundDelivered = _delivered;
            _roundCount++;
            _roundsSinceBwProbe++;
            _roundStart = true;
        }
        TakeRateSample(rs);

        // UpdateLatestDeliverySignals / UpdateCongestionSignals (§5.5.10.3).
        bool lossRoundStart = false;
        _model.NoteLatest(_rsRate, rs.Delivered);
        if (rs.Delivered > 0 && rs.PriorDelivered >= _lossRoundDelivered)
        {
            _lossRoundDelivered = _delivered;
            lossRoundStart = true;
        }
        if (_rsRate > 0 && (_rsRate >= _model.MaxBw || !_rsAppLimited))
            _model.UpdateMaxBw(_rsRate);
        if (lossRoundStart)
            EndLossRound(); // the next loss round starts here
        _model.UpdateAckAggregation(ack.Now, ack.BytesDelivered, _cwnd, _roundStart, _fullBwReached ? ExtraAckedFilterRounds : 1);
        CheckFullBwReached();
        if (State == BbrState.Startup && _fullBwReached)
            EnterDrain(); // CheckStartupDone
        if (State == BbrState.Drain && (inflight <= Inflight(_model.Bw, 1.0) || _roundCount > _drainStartRound + DrainMaxRounds))
            EnterProbeBw(ack.Now); // CheckDrainDone
        UpdateProbeBwCyclePhase(ack.Now, inflight, cwndLimited, ack.BytesDelivered);
        // A sample timed from a retransmission (the echo predates it) may be shorter than the path: not for min_rtt.
        var minRttSample = ack.RttSampleFromRetransmission ? null : ack.RttSample;
        bool probeRttExpired = _model.UpdateMinRtt(ack.Now, minRttSample, ProbeRttInterval, MinRttFilterLength);
        CheckProbeRtt(ack.Now, inflight, probeRttExpired);
        if (lossRoundStart)
            _model.AdvanceLatest(_rsRate, rs.Delivered);
        _model.BoundBwForModel();

        // BBRUpdateControlParameters.
        SetPacingRate(ack.RttSample);
        SetCwnd(ack.BytesDelivered);
    }

    /// <summary>
    /// GenerateRateSample's last filter (§4.1.2.3): an interval shorter than the connection's minimum RTT gives no reliable
    /// rate. Samples of segments sent during ProbeRTT count as app-limited (HandleProbeRTT's MarkConnectionAppLimited).
    /// </summary>
    private void TakeRateSample(in DeliveryRateSample rs)
    {
        double rate = rs.BytesPerSecond;
        if (rate > 0 && _lifetimeMinRtt != TimeSpan.MaxValue && rs.Interval < _lifetimeMinRtt)
            rate = 0;
        _rsRate = rate;
        _rsAppLimited = rs.IsAppLimited || (rs.PriorDelivered >= _appLimitedFrom && rs.PriorDelivered < _appLimitedUntil);
        if (rs.Delivered > 0)
            _rsTxInFlight = rs.TxInFlight;
        if (_appLimitedUntil != 0 && _delivered > _appLimitedUntil && State != BbrState.ProbeRtt)
        {
            _appLimitedFrom = Infinite; // the bubble is delivered (GenerateRateSample clears C.app_limited)
            _appLimitedUntil = 0;
        }
    }

    private bool IsProbingBw => State is BbrState.Startup or BbrState.ProbeBwRefill or BbrState.ProbeBwUp;

    private bool IsInProbeBw => State is BbrState.ProbeBwDown or BbrState.ProbeBwCruise or BbrState.ProbeBwRefill or BbrState.ProbeBwUp;

    /// <summary>BBRCheckFullBWReached (§5.3.1.2): three rounds without 25 % growth of the delivery rate end Startup (and UP).</summary>
    private void CheckFullBwReached()
    {
        if (_fullBwNow || !_roundStart || _rsAppLimited || _rsRate <= 0)
            return; // no sample on this ACK (or one filtered as unreliable): nothing to judge
        if (_rsRate >= _fullBw * FullBwThreshold)
        {
            ResetFullBw();
            _fullBw = _rsRate; // a new baseline
            return;
        }
        _fullBwCount++;
        _fullBwNow = _fullBwCount >= FullBwCount;
        if (_fullBwNow)
            _fullBwReached = true;
    }

    private void ResetFullBw()
    {
        _fullBw = 0;
        _fullBwCount = 0;
        _fullBwNow = false;
    }

    private void EnterStartup()
    {
        State = BbrState.Startup;
        _pacingGain = StartupPacingGain;
        _cwndGain = DefaultCwndGain;
    }

    private void EnterDrain()
    {
        State = BbrState.Drain;
        _pacingGain = DrainPacingGain;
        _cwndGain = DefaultCwndGain;
        _drainStartRound = _roundCount;
    }

    private void EnterProbeBw(Instant now)
    {
        _cwndGain = DefaultCwndGain;
        StartProbeBwDown(now);
    }

    private void StartRound() => _nextRoundDelivered = _delivered;

    /// <summary>BBRSetPacingRate (§5.6.2): gain × bw × (1 − 1 %); before the pipe is full it only rises.</summary>
    private void SetPacingRate(TimeSpan? rtt)
    {
        double bw = _model.Bw;
        if (bw <= 0)
        {
            if (rtt is { } r && r > TimeSpan.Zero && !_fullBwReached)
                _pacingRate = StartupPacingGain * _cwnd / Math.Max(r.TotalSeconds, 0.0001); // BBRInitPacingRate once SRTT is known
            return;
        }
        double rate = _pacingGain * bw * (1 - PacingMargin);
        if (_fullBwReached || rate > _pacingRate)
            _pacingRate = rate;
    }

    /// <summary>BBRSetCwnd (§5.6.4.6) with BBRBoundCwndForProbeRTT and BBRBoundCwndForModel.</summary>
    private void SetCwnd(long delivered)
    {
        long maxInflight = QuantizationBudget(Bdp(_model.Bw, _cwndGain) + _model.ExtraAcked);
        if (_fullBwReached)
            _cwnd = Math.Min(_cwnd + delivered, maxInflight);
        else if (_cwnd < maxInflight || _delivered < NewRenoCongestionController.InitialWindow(_mss))
            _cwnd += delivered;
        _cwnd = Math.Max(_cwnd, MinPipeCwnd);
        if (State == BbrState.ProbeRtt)
            _cwnd = Math.Min(_cwnd, ProbeRttCwnd());
        BoundCwndForModel();
    }

    /// <summary>BBRBoundCwndForModel (§5.6.4.7): inflight_hi (less headroom in CRUISE and ProbeRTT), inflight_lo.</summary>
    private void BoundCwndForModel()
    {
        long cap = Infinite;
        if (IsInProbeBw && State != BbrState.ProbeBwCruise)
            cap = _model.InflightHi;
        else if (State is BbrState.ProbeRtt or BbrState.ProbeBwCruise)
            cap = InflightWithHeadroom();
        cap = Math.Max(Math.Min(cap, _model.InflightLo), MinPipeCwnd);
        _cwnd = Math.Min(Math.Min(_cwnd, cap), MaxWindow);
    }

    /// <summary>BBRBDPMultiple: gain × bw × min_rtt; the initial window before an RTT is known.</summary>
    private long Bdp(double bw, double gain)
    {
        if (_model.MinRtt == TimeSpan.MaxValue || bw <= 0)
            return NewRenoCongestionController.InitialWindow(_mss);
        return (long)(gain * bw * _model.MinRtt.TotalSeconds);
    }

    /// <summary>BBRInflight: the BDP multiple plus the quantization budget.</summary>
    private long Inflight(double bw, double gain) => QuantizationBudget(Bdp(bw, gain));

    /// <summary>BBRQuantizationBudget (§5.6.4.2): the offload budget (three send quanta, §5.5.8.1), two more segments in UP.</summary>
    private long QuantizationBudget(long inflight)
    {
        long quantum = Math.Clamp((long)(_pacingRate / 1000), 2L * _mss, 64 * 1024); // SetSendQuantum (§5.6.3)
        inflight = Math.Max(Math.Max(inflight, 3 * quantum), MinPipeCwnd);
        return State == BbrState.ProbeBwUp ? inflight + (2L * _mss) : inflight;
    }

    /// <summary>BBRInflightWithHeadroom: inflight_hi less 15 % (at least one segment), at least BBRMinPipeCwnd.</summary>
    private long InflightWithHeadroom()
    {
        if (_model.InflightHi == Infinite)
            return Infinite;
        long headroom = Math.Max(_mss, (long)(Headroom * _model.InflightHi));
        return Math.Max(_model.InflightHi - headroom, MinPipeCwnd);
    }

    /// <summary>TargetInflight (§5.3.3.8): the estimated BDP, unless congestion cut cwnd below it.</summary>
    private long TargetInflight() => Math.Min(Bdp(_model.Bw, 1.0), _cwnd);

    private uint NextRandom()
    {
        // xorshift32: deterministic per seed, so simulations replay.
        _random ^= _random << 13;
        _random ^= _random >> 17;
        _random ^= _random << 5;
        return _random;
    }
}
