namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// BBR's response to loss (draft-ietf-ccwg-bbr §5.5.10, §5.5.11, §5.6.4.4): a probe whose flight lost more than 2 % caps
/// inflight_longterm; outside probing, every round with a loss cuts bw_shortterm and inflight_shortterm to the latest
/// round's delivery (at most by β); Startup may end on heavy loss. cwnd itself follows the model in fast recovery (no
/// packet conservation, no per-loss cut: the draft's current text), is saved when recovery starts and restored when it
/// ends; a spurious recovery restores the saved model and the probing state it interrupted.
/// </summary>
public sealed partial class BbrCongestionController
{
    private enum UndoState { None, Startup, ProbeBwUp }

    private UndoState _undoState;
    private long _lossRoundStart;   // C.delivered when the current loss round began (for its loss rate)
    private bool _ecnInRound;       // a CE echo in this loss round
    private double _undoBwLo = double.PositiveInfinity;
    private long _undoInflightLo = Infinite;
    private long _undoInflightHi = Infinite;

    /// <summary>BBRHandleLostPacket: note the loss for this round; while probing, check whether the flight was too high.</summary>
    public void OnLossDetected(long bytesLost, int bytesInFlight)
    {
        if (bytesLost <= 0)
            return;
        _dataSeen = true;
        NoteLoss();
        _lostInRound += bytesLost;
        _lossEventsInRound++;
        if (!_bwProbeSamples)
            return; // not a packet sent while probing bandwidth
        // RS.tx_in_flight of the lost data: the newest sample's (the loss is found by ACKs of data sent about as late).
        long txInFlight = _rsTxInFlight > 0 ? _rsTxInFlight : bytesInFlight;
        if (!IsInflightTooHigh(txInFlight))
            return;
        HandleInflightTooHigh(InflightAtLoss(txInFlight, Math.Min(bytesLost, txInFlight)));
    }

    /// <summary>BBRNoteLoss: the first loss of a round starts the loss round there and saves the state for an undo.</summary>
    private void NoteLoss()
    {
        if (!_lossInRound)
        {
            _lossRoundDelivered = _delivered;
            _lossRoundStart = _delivered;
            SaveStateUponLoss();
        }
        _lossInRound = true;
    }

    /// <summary>IsInflightTooHigh: the losses of this round exceed BBRLossThresh of the flight.</summary>
    private bool IsInflightTooHigh(long txInFlight) => ExceedsLossThreshold(_lostInRound, Math.Max(txInFlight, _mss));

    /// <summary>
    /// Whether <paramref name="lost"/> of <paramref name="volume"/> octets exceeds BBRLossThresh. The draft compares the
    /// rates; <see cref="BbrLossResponse.LossRateThreshold"/> asks for evidence: more than two binomial standard deviations
    /// (in segments) above the threshold, so a round of 100 segments at 1 % random loss that happens to lose 3 is no
    /// congestion signal, while a queue overflow that loses tens is.
    /// </summary>
    private bool ExceedsLossThreshold(long lost, long volume)
    {
        double allowed = LossThreshold * volume;
        if (LossResponse == BbrLossResponse.LossRateThreshold)
            allowed += 2 * Math.Sqrt(allowed * _mss);
        return lost > allowed;
    }

    /// <summary>
    /// BBRInflightAtLoss: where in the last loss event's <paramref name="size"/> octets the loss rate crossed
    /// BBRLossThresh: inflight_prev + (thresh × inflight_prev − lost_prev) / (1 − thresh).
    /// </summary>
    private long InflightAtLoss(long txInFlight, long size)
    {
        long inflightPrev = txInFlight - size;
        long lostPrev = _lostInRound - size;
        double lostPrefix = ((LossThreshold * inflightPrev) - lostPrev) / (1 - LossThreshold);
        return Math.Max(inflightPrev + (long)Math.Max(lostPrefix, 0), _mss);
    }

    /// <summary>BBRHandleInflightTooHigh: cap inflight_longterm (at least β × the target) and end ProbeBW_UP.</summary>
    private void HandleInflightTooHigh(long inflightAtLoss)
    {
        _prevProbeTooHigh = true;
        _bwProbeSamples = false; // only react once per probe
        if (!_rsAppLimited)
            _model.InflightHi = Math.Max(inflightAtLoss, (long)(TargetInflight() * Beta));
        if (State == BbrState.ProbeBwUp)
        {
            _undoState = UndoState.ProbeBwUp;
            StartProbeBwDown(_now);
        }
    }

    /// <summary>The end of a loss round (UpdateCongestionSignals): Startup's loss exit, then the once-a-round lower bounds.</summary>
    private void EndLossRound()
    {
        CheckStartupHighLoss();
        if (!IsProbingBw && _lossInRound && RoundShowsCongestion())
            _model.LossLowerBounds(_cwnd, Beta); // BBRAdaptLowerBoundsFromCongestion: InitLowerBounds, LossLowerBounds
        _lossInRound = false;
        _ecnInRound = false;
        _lostInRound = 0;
        _lossEventsInRound = 0;
        _lossRoundStart = _delivered;
    }

    /// <summary>
    /// Whether this loss round cuts the short-term model: any loss for the draft; for
    /// <see cref="BbrLossResponse.LossRateThreshold"/> a CE echo or losses above BBRLossThresh of what the round sent
    /// (lost plus delivered), so random loss below 2 % does not shrink the model round after round.
    /// </summary>
    private bool RoundShowsCongestion()
    {
        if (LossResponse == BbrLossResponse.Draft || _ecnInRound)
            return true;
        long delivered = Math.Max(0, _delivered - _lossRoundStart);
        return ExceedsLossThreshold(_lostInRound, delivered + _lostInRound);
    }

    /// <summary>BBRResetCongestionSignals.</summary>
    private void ResetCongestionSignals()
    {
        _lossInRound = false;
        _ecnInRound = false;
        _model.ResetCongestionSignals();
    }

    /// <summary>BBRCheckStartupHighLoss (§5.3.1.3): a lossy round (≥ 6 loss events, loss above 2 %) in recovery ends Startup.</summary>
    private void CheckStartupHighLoss()
    {
        if (_fullBwReached || State != BbrState.Startup || !InRecovery || _lossEventsInRound < StartupFullLossCount)
            return;
        if (_lostInRound <= LossThreshold * Math.Max(_rsTxInFlight, _cwnd))
            return;
        _undoState = UndoState.Startup;
        _fullBwReached = true;
        _model.InflightHi = Math.Max(Bdp(_model.Bw, 1.0), _model.InflightLatest);
    }

    /// <summary>BBRSaveStateUponLoss (§5.5.11.1): what an undo restores.</summary>
    private void SaveStateUponLoss()
    {
        SaveCwnd();
        _undoState = UndoState.None;
        _undoBwLo = _model.BwLo;
        _undoInflightLo = _model.InflightLo;
        _undoInflightHi = _model.InflightHi;
    }

    /// <summary>OnEnterFastRecovery (§5.6.4.4): save cwnd and the model; cwnd then follows the model.</summary>
    public void OnRecoveryStart(int bytesInFlight)
    {
        _dataSeen = true;
        if (InRecovery)
            return;
        SaveCwnd();
        SaveStateUponLoss();
        InRecovery = true;
    }

    /// <summary>PRR's quota is not BBR's: in fast recovery cwnd follows the model (§5.6.4.4).</summary>
    public void OnRecoveryQuota(long pipe, long sendQuota)
    {
    }

    /// <summary>No NewReno inflation: the model sets cwnd.</summary>
    public void OnDuplicateAck(int bytesInFlight)
    {
    }

    /// <summary>No NewReno deflation: the model sets cwnd.</summary>
    public void OnPartialAck(int bytesAcked)
    {
    }

    /// <summary>Recovery ends: BBRRestoreCwnd, then the model's bound (the ACK that ended it was processed already).</summary>
    public void OnRecoveryEnd(int bytesInFlight)
    {
        if (!InRecovery)
            return;
        InRecovery = false;
        RestoreCwnd();
        BoundCwndForModel();
    }

    /// <summary>OnEnterRTO: save cwnd and the model, then cwnd = what is in flight + 1 segment (the go-back-N flight is empty).</summary>
    public void OnRetransmitTimeout(int bytesInFlight)
    {
        _dataSeen = true;
        SaveCwnd();
        SaveStateUponLoss();
        _cwnd = _mss;
        InRecovery = false;
    }

    /// <summary>
    /// BBRHandleSpuriousLossDetection (§5.5.11.2): restore cwnd and at least the saved bounds, and the probing state the
    /// recovery ended (Startup, or ProbeBW through REFILL).
    /// </summary>
    public void OnSpuriousRecovery()
    {
        RestoreCwnd();
        InRecovery = false;
        _lossInRound = false;
        _ecnInRound = false;
        ResetFullBw();
        _model.RestoreBounds(_undoBwLo, _undoInflightLo, _undoInflightHi);
        if (_undoState == UndoState.Startup && State != BbrState.Startup)
        {
            _fullBwReached = false;
            if (State != BbrState.ProbeRtt)
                EnterStartup();
        }
        else if (_undoState == UndoState.ProbeBwUp && State != BbrState.ProbeBwUp && State != BbrState.ProbeRtt)
        {
            StartProbeBwRefill();
        }
        _undoState = UndoState.None;
    }

    /// <summary>
    /// §3.7: a connection that sends ECT must treat CE marks as congestion. The draft specifies no ECN response of its own,
    /// so an echo counts like a loss for the round: outside probing the round's end cuts bw_lo and inflight_lo.
    /// </summary>
    public void OnEcnEcho(int bytesInFlight)
    {
        _dataSeen = true;
        NoteLoss();
        _ecnInRound = true;
    }
}
