namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// BBR's ProbeBW cycle (draft-ietf-ccwg-bbr §5.3.3): DOWN, CRUISE, REFILL and UP, the upper bound inflight_longterm
/// adapted from the probe's losses and raised while probing, precautionary probing after a probe that went too high,
/// and the timing of the next probe.
/// </summary>
public sealed partial class BbrCongestionController
{
    /// <summary>BBRUpdateProbeBWCyclePhase with BBRAdaptLongTermModel.</summary>
    private void UpdateProbeBwCyclePhase(Instant now, long inflight, bool cwndLimited, long delivered)
    {
        if (!_fullBwReached)
            return;
        if (AdaptLongTermModel(cwndLimited, delivered))
            return;
        switch (State)
        {
            case BbrState.ProbeBwDown:
                if (IsTimeToProbeBw(now))
                    return;
                if (IsTimeToCruise(inflight))
                    StartProbeBwCruise();
                break;
            case BbrState.ProbeBwCruise:
                IsTimeToProbeBw(now);
                break;
            case BbrState.ProbeBwRefill:
                if (_roundStart)
                {
                    _bwProbeSamples = true; // losses from here on are the probe's
                    StartProbeBwUp();
                }
                break;
            case BbrState.ProbeBwUp:
                if (IsTimeToGoDown(inflight, cwndLimited))
                {
                    _prevProbeTooHigh = false; // no high loss (yet)
                    StartProbeBwDown(now);
                }
                break;
        }
    }

    /// <summary>
    /// BBRAdaptLongTermModel: track what the ACKs say about the probe, advance the max_bw filter one round after a probe,
    /// go straight back to REFILL after a precautionary probe without loss, and raise inflight_longterm while the loss
    /// rate is safe. True when it decided a state change.
    /// </summary>
    private bool AdaptLongTermModel(bool cwndLimited, long delivered)
    {
        if (_ackPhase == AckPhase.ProbeStarting && _roundStart)
            _ackPhase = AckPhase.ProbeFeedback; // the ACKs of the probe's own packets start arriving
        if (_ackPhase == AckPhase.ProbeStopping && _roundStart)
        {
            // The end of the samples from the probe: one more ProbeBW cycle, so the filter covers the last two.
            _bwProbeSamples = false;
            _ackPhase = AckPhase.Init;
            if (IsInProbeBw && !_rsAppLimited)
                _model.AdvanceMaxBwFilter();
            if (IsInProbeBw && _prevProbePrecautionary && !_prevProbeTooHigh)
            {
                StartProbeBwRefill(); // precautionary probing, acceleration (§5.3.3.6): that level was safe
                return true;
            }
        }
        if (IsInflightTooHigh(_rsTxInFlight) || _model.InflightHi == Infinite)
            return false;
        if (_rsTxInFlight > _model.InflightHi)
            _model.InflightHi = _rsTxInFlight;
        if (State == BbrState.ProbeBwUp)
            ProbeInflightHiUpward(cwndLimited, delivered);
        return false;
    }

    /// <summary>BBRProbeInflightLongtermUpward: while cwnd-limited at inflight_hi, raise it by 1, 2, 4... segments per round.</summary>
    private void ProbeInflightHiUpward(bool cwndLimited, long delivered)
    {
        if (!cwndLimited || _cwnd < _model.InflightHi)
            return;
        _probeUpAcks += delivered;
        if (_probeUpAcks >= _probeUpCount)
        {
            long delta = _probeUpAcks / _probeUpCount;
            _probeUpAcks -= delta * _probeUpCount;
            _model.InflightHi += delta * _mss;
        }
        if (_roundStart)
            RaiseInflightHiSlope();
    }

    private void RaiseInflightHiSlope()
    {
        long growthThisRound = (long)_mss << _probeUpRounds;
        _probeUpRounds = Math.Min(_probeUpRounds + 1, 30);
        _probeUpCount = Math.Max(_cwnd / growthThisRound, 1) * _mss;
    }

    /// <summary>
    /// BBRIsTimeToProbeBW (§5.3.3.8): the random wait (2-3 s) passed, or as many rounds as Reno would take to fill
    /// TargetInflight (at most 62-63).
    /// </summary>
    private bool IsTimeToProbeBw(Instant now)
    {
        long renoRounds = Math.Min(TargetInflight() / _mss, 63);
        if (now - _cycleStamp > _bwProbeWait || _roundsSinceBwProbe >= renoRounds)
        {
            StartProbeBwRefill();
            return true;
        }
        return false;
    }

    private bool IsTimeToCruise(long inflight) =>
        inflight <= InflightWithHeadroom() && inflight <= Inflight(_model.MaxBw, 1.0);

    /// <summary>
    /// BBRIsTimeToGoDown: after a probe that went too high, leave as soon as inflight reaches inflight_hi (precautionary
    /// deceleration); if inflight_hi limits the probe, restart the plateau search; else leave at the plateau.
    /// </summary>
    private bool IsTimeToGoDown(long inflight, bool cwndLimited)
    {
        if (_prevProbeTooHigh && inflight >= _model.InflightHi)
        {
            _prevProbePrecautionary = true;
            return true;
        }
        if (cwndLimited && _cwnd >= _model.InflightHi)
        {
            ResetFullBw(); // bw is limited by inflight_hi
            _fullBw = _rsRate;
        }
        else if (_fullBwNow)
        {
            return true; // we estimate we've fully used path bw
        }
        return false;
    }

    private void StartProbeBwDown(Instant now)
    {
        ResetCongestionSignals();
        _probeUpCount = Infinite;
        // BBRPickProbeWait: 0 or 1 extra rounds, and 2 s plus up to 1 s.
        _roundsSinceBwProbe = NextRandom() & 1;
        _bwProbeWait = TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(NextRandom() % 1000);
        _cycleStamp = now;
        _ackPhase = AckPhase.ProbeStopping;
        StartRound();
        State = BbrState.ProbeBwDown;
        _pacingGain = 0.9;
        _cwndGain = DefaultCwndGain;
    }

    private void StartProbeBwCruise()
    {
        State = BbrState.ProbeBwCruise;
        _pacingGain = 1.0;
        _cwndGain = DefaultCwndGain;
    }

    private void StartProbeBwRefill()
    {
        _model.ResetLowerBounds(); // ResetShortTermModel
        _probeUpRounds = 0;
        _probeUpAcks = 0;
        _prevProbePrecautionary = false;
        _ackPhase = AckPhase.Refilling;
        StartRound();
        State = BbrState.ProbeBwRefill;
        _pacingGain = 1.0;
        _cwndGain = DefaultCwndGain;
    }

    private void StartProbeBwUp()
    {
        _ackPhase = AckPhase.ProbeStarting;
        StartRound();
        ResetFullBw();
        _fullBw = _rsRate;
        State = BbrState.ProbeBwUp;
        _pacingGain = 1.25;
        _cwndGain = 2.25;
        RaiseInflightHiSlope();
    }
}
