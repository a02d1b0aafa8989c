namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// BBR congestion control as draft-ietf-ccwg-bbr (BBRv3) specifies it: a model of the path (the maximum recent delivery
/// rate, max_bw, over two ProbeBW cycles and the minimum RTT over 10 s) sets the pacing rate (always paced) and cwnd;
/// Startup, Drain, ProbeBW (DOWN, CRUISE, REFILL, UP) and ProbeRTT move between probing and draining; loss above 2 %
/// of a flight bounds inflight from above (inflight_hi) and, outside probing, bw_lo/inflight_lo from below.
/// Sizes in bytes, rates in bytes per second. Rounds are counted here from the delivery-rate samples (§"Round counting").
/// </summary>
public sealed partial class BbrCongestionController : ICongestionController
{
    /// <summary>Startup pacing gain 4·ln 2 ≈ 2.77: doubles the sending rate each round (draft §"Startup").</summary>
    public const double StartupPacingGain = 2.77;
    /// <summary>Startup and ProbeBW cwnd gain.</summary>
    public const double DefaultCwndGain = 2.0;
    /// <summary>Drain pacing gain ≈ 1/2.885: empties Startup's queue in about one round.</summary>
    public const double DrainPacingGain = 0.35;
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

    // Round counting (C.delivered, BBR.next_round_delivered).
    private long _delivered;
    private long _nextRoundDelivered;
    private long _roundCount;
    private bool _roundStart;

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

    // Congestion signals of the current round (BBR.loss_in_round, the lost octets and events of this flight).
    private long _lossRoundDelivered;
    private bool _lossInRound;
    private long _lostInRound;
    private int _lossEventsInRound;

    // Recovery and ProbeRTT.
    private bool _packetConservation;
    private long _conservationRound;
    private Instant _probeRttDoneStamp;
    private bool _probeRttRoundDone;
    private bool _probeRttDoneStampSet;

    /// <summary>Creates the controller for an initial SMSS; <paramref name="seed"/> picks the random probe waits.</summary>
    public BbrCongestionController(int mss, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
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
    public string Name => "bbr";

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

    /// <summary>BBR.inflight_hi in bytes; <see cref="long.MaxValue"/> while unbounded.</summary>
    public long InflightHigh => _model.InflightHi;

    /// <summary>BBR.inflight_lo in bytes; <see cref="long.MaxValue"/> while unbounded.</summary>
    public long InflightLow => _model.InflightLo;

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

    /// <summary>The draft's BBRUpdateOnACK: update the model and the state, then pacing rate and cwnd.</summary>
    public void OnAck(in TcpAckEvent ack)
    {
        if (ack.BytesDelivered <= 0 && ack.RttSample is null)
            return;
        _now = ack.Now;
        if (ack.BytesDelivered > 0)
            _dataSeen = true;
        var rs = ack.Rate;
        long inflight = Math.Max(0, ack.BytesInFlight - ack.BytesDelivered);
        bool cwndLimited = ack.BytesInFlight + _mss >= _cwnd;

        // Round counting: a round ends when a segment sent after the round began is delivered.
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

        // BBRUpdateLatestDeliverySignals / BBRUpdateCongestionSignals.
        bool lossRoundStart = false;
        double rate = rs.BytesPerSecond;
        _model.NoteLatest(rate, rs.Delivered);
        if (rs.Delivered > 0 && rs.PriorDelivered >= _lossRoundDelivered)
        {
            _lossRoundDelivered = _delivered;
            lossRoundStart = true;
        }
        if (rate > 0 && (rate >= _model.MaxBw || !rs.IsAppLimited))
            _model.UpdateMaxBw(rate);
        if (lossRoundStart)
        {
            CheckStartupHighLoss();
            if (!IsProbingBw && _lossInRound)
                _model.LossLowerBounds(_cwnd, Beta); // BBRAdaptLowerBoundsFromCongestion
            _lossInRound = false;
            _lostInRound = 0;
            _lossEventsInRound = 0;
        }
        _model.UpdateAckAggregation(ack.Now, ack.BytesDelivered, _cwnd, _roundStart, _fullBwReached ? ExtraAckedFilterRounds : 1);
        CheckFullBwReached(rs);
        if (State == BbrState.Startup && _fullBwReached)
            EnterDrain();
        if (State == BbrState.Drain && inflight <= Inflight(_model.MaxBw, 1.0))
            StartProbeBwDown(ack.Now); // BBRCheckDrainDone
        UpdateProbeBwCyclePhase(ack.Now, inflight, cwndLimited, ack.BytesInFlight, ack.BytesDelivered, rs);
        // A sample timed from a retransmission (the echo predates it) may be shorter than the path: not for min_rtt.
        var minRttSample = ack.RttSampleFromRetransmission ? null : ack.RttSample;
        bool probeRttExpired = _model.UpdateMinRtt(ack.Now, minRttSample, ProbeRttInterval, MinRttFilterLength);
        CheckProbeRtt(ack.Now, inflight, probeRttExpired);
        if (lossRoundStart)
            _model.AdvanceLatest(rate, rs.Delivered);
        _model.BoundBwForModel();

        // BBRUpdateControlParameters.
        SetPacingRate(ack.RttSample);
        SetCwnd(ack.BytesDelivered);
    }

    private bool IsProbingBw => State is BbrState.Startup or BbrState.ProbeBwRefill or BbrState.ProbeBwUp;

    private bool IsInProbeBw => State is BbrState.ProbeBwDown or BbrState.ProbeBwCruise or BbrState.ProbeBwRefill or BbrState.ProbeBwUp;

    /// <summary>BBRCheckFullBWReached: three rounds without 25 % growth of max_bw end Startup (and ProbeBW_UP).</summary>
    private void CheckFullBwReached(in DeliveryRateSample rs)
    {
        if (_fullBwNow || !_roundStart || rs.IsAppLimited)
            return;
        if (_model.MaxBw >= _fullBw * FullBwThreshold)
        {
            _fullBw = _model.MaxBw;
            _fullBwCount = 0;
            return;
        }
        _fullBwCount++;
        _fullBwNow = _fullBwCount >= FullBwCount;
        if (_fullBwNow)
            _fullBwReached = true;
    }

    /// <summary>BBRCheckStartupHighLoss: a lossy round (≥ 6 loss events, loss above 2 %) in recovery ends Startup too.</summary>
    private void CheckStartupHighLoss()
    {
        if (_fullBwReached || State != BbrState.Startup || !InRecovery || _lossEventsInRound < StartupFullLossCount)
            return;
        if (_lostInRound <= LossThreshold * Math.Max(_cwnd, 1))
            return;
        _fullBwReached = true;
        _model.InflightHi = Math.Max(Bdp(_model.MaxBw, 1.0), _model.InflightLatest);
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
    }

    private void StartRound() => _nextRoundDelivered = _delivered;

    /// <summary>BBRCheckProbeRTT and BBRHandleProbeRTT.</summary>
    private void CheckProbeRtt(Instant now, long inflight, bool probeRttExpired)
    {
        if (State != BbrState.ProbeRtt && probeRttExpired && _model.MinRtt != TimeSpan.MaxValue)
        {
            // BBREnterProbeRTT.
            _priorCwnd = SaveCwnd();
            State = BbrState.ProbeRtt;
            _pacingGain = 1.0;
            _cwndGain = ProbeRttCwndGain;
            _probeRttDoneStampSet = false;
            _ackPhase = AckPhase.ProbeStopping;
            StartRound();
        }
        if (State != BbrState.ProbeRtt)
            return;
        if (!_probeRttDoneStampSet && inflight <= ProbeRttCwnd())
        {
            // The flight is down to ProbeRTT's cwnd: hold it for ProbeRTTDuration and at least one round.
            _probeRttDoneStamp = now + ProbeRttDuration;
            _probeRttDoneStampSet = true;
            _probeRttRoundDone = false;
            StartRound();
        }
        else if (_probeRttDoneStampSet)
        {
            if (_roundStart)
                _probeRttRoundDone = true;
            if (_probeRttRoundDone && now > _probeRttDoneStamp)
            {
                // BBRCheckProbeRTTDone / BBRExitProbeRTT.
                _model.ProbeRttMinStamp = now;
                _cwnd = Math.Max(_cwnd, _priorCwnd);
                _model.ResetLowerBounds();
                if (_fullBwReached)
                {
                    StartProbeBwDown(now);
                    StartProbeBwCruise();
                }
                else
                {
                    EnterStartup();
                }
            }
        }
    }

    private long ProbeRttCwnd() => Math.Max(Bdp(_model.Bw, ProbeRttCwndGain), MinPipeCwnd);

    private long SaveCwnd() => InRecovery || State == BbrState.ProbeRtt ? Math.Max(_priorCwnd, _cwnd) : _cwnd;

    /// <summary>BBRSetPacingRate: gain × bw × (1 − 1 %); before the pipe is full it only rises.</summary>
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

    /// <summary>BBRSetCwnd with BBRBoundCwndForProbeRTT and BBRBoundCwndForModel.</summary>
    private void SetCwnd(long delivered)
    {
        long maxInflight = QuantizationBudget(Bdp(_model.Bw, _cwndGain) + _model.ExtraAcked);
        if (_packetConservation && _roundCount > _conservationRound)
            _packetConservation = false; // one round of conservation after loss, then the model again
        if (!_packetConservation)
        {
            if (_fullBwReached)
                _cwnd = Math.Min(_cwnd + delivered, maxInflight);
            else if (_cwnd < maxInflight || _delivered < NewRenoCongestionController.InitialWindow(_mss))
                _cwnd += delivered;
            _cwnd = Math.Max(_cwnd, MinPipeCwnd);
        }
        if (State == BbrState.ProbeRtt)
            _cwnd = Math.Min(_cwnd, ProbeRttCwnd());
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

    /// <summary>BBRQuantizationBudget: room for three send quanta (TSO bursts) and two more segments while probing up.</summary>
    private long QuantizationBudget(long inflight)
    {
        long quantum = Math.Clamp((long)(_pacingRate / 1000), 2L * _mss, 64 * 1024);
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

    /// <summary>
    /// BBRHandleLostPacket / BBRModulateCwndForRecovery: lost octets leave cwnd; a flight losing more than 2 % while
    /// probing caps inflight_hi at what was in flight (or β × the target) and ends ProbeBW_UP.
    /// </summary>
    public void OnLossDetected(long bytesLost, int bytesInFlight)
    {
        if (bytesLost <= 0)
            return;
        _dataSeen = true;
        _lossInRound = true;
        _lostInRound += bytesLost;
        _lossEventsInRound++;
        _cwnd = Math.Max(_cwnd - bytesLost, _mss);
        if (!_bwProbeSamples || _lostInRound <= LossThreshold * Math.Max(bytesInFlight, _mss))
            return;
        // BBRHandleInflightTooHigh.
        _bwProbeSamples = false;
        _model.InflightHi = Math.Max(bytesInFlight, (long)(Bdp(_model.Bw, 1.0) * Beta));
        if (State == BbrState.ProbeBwUp)
            StartProbeBwDown(_now);
    }

    /// <summary>Loss recovery starts: remember cwnd, then one round of packet conservation.</summary>
    public void OnRecoveryStart(int bytesInFlight)
    {
        _dataSeen = true;
        if (InRecovery)
            return;
        _priorCwnd = SaveCwnd();
        InRecovery = true;
        _packetConservation = true;
        _conservationRound = _roundCount;
    }

    /// <summary>In SACK recovery the first round conserves packets (cwnd = pipe + what was delivered); later the model rules.</summary>
    public void OnRecoveryQuota(long pipe, long sendQuota)
    {
        if (InRecovery && _packetConservation)
            _cwnd = Math.Clamp(Math.Max(_cwnd, pipe + Math.Max(0, sendQuota)), _mss, MaxWindow);
    }

    /// <summary>No NewReno inflation: the model sets cwnd.</summary>
    public void OnDuplicateAck(int bytesInFlight)
    {
    }

    /// <summary>No NewReno deflation: the model sets cwnd.</summary>
    public void OnPartialAck(int bytesAcked)
    {
    }

    /// <summary>Recovery ends: BBRRestoreCwnd.</summary>
    public void OnRecoveryEnd(int bytesInFlight)
    {
        if (!InRecovery)
            return;
        InRecovery = false;
        _packetConservation = false;
        _cwnd = Math.Max(_cwnd, _priorCwnd);
    }

    /// <summary>A timeout: remember cwnd, then cwnd = 1 SMSS (the go-back-N flight is empty) and regrow by deliveries.</summary>
    public void OnRetransmitTimeout(int bytesInFlight)
    {
        _dataSeen = true;
        _priorCwnd = SaveCwnd();
        _cwnd = _mss;
        InRecovery = false;
        _packetConservation = false;
    }

    /// <summary>The last recovery or timeout was spurious: restore cwnd and forget the lower bounds its losses set.</summary>
    public void OnSpuriousRecovery()
    {
        _cwnd = Math.Max(_cwnd, _priorCwnd);
        InRecovery = false;
        _packetConservation = false;
        _model.ResetLowerBounds();
    }

    /// <summary>The draft's BBR reacts to ECN only in its L4S variant: classic ECN echoes are ignored here.</summary>
    public void OnEcnEcho(int bytesInFlight)
    {
    }

    private uint NextRandom()
    {
        // xorshift32: deterministic per seed, so simulations replay.
        _random ^= _random << 13;
        _random ^= _random >> 17;
        _random ^= _random << 5;
        return _random;
    }
}
