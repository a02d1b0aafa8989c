namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// BBR's ProbeBW cycle (draft-ietf-ccwg-bbr "ProbeBW"): DOWN, CRUISE, REFILL and UP, the upper bound inflight_hi adapted
/// from the probe's losses and raised while probing, and the timing of the next probe.
/// </summary>
public sealed partial class BbrCongestionController
{
    /// <summary>BBRUpdateProbeBWCyclePhase with BBRAdaptUpperBounds.</summary>
    private void UpdateProbeBwCyclePhase(Instant now, long inflight, bool cwndLimited, long txInFlight, long delivered, in DeliveryRateSample rs)
    {
        if (!_fullBwReached)
            return;
        // BBRAdaptUpperBounds.
        if (_ackPhase == AckPhase.ProbeStarting && _roundStart)
            _ackPhase = AckPhase.ProbeFeedback; // the ACKs of the probe's own packets start arriving
        if (_ackPhase == AckPhase.ProbeStopping && _roundStart)
        {
            // The end of the samples from the probe: forget the older cycle's maximum now.
            _bwProbeSamples = false;
            _ackPhase = AckPhase.Init;
            if (IsInProbeBw && !rs.IsAppLimited)
                _model.AdvanceMaxBwFilter(); // one more ProbeBW cycle: the filter covers the last two
        }
        if (_model.InflightHi != Infinite)
        {
            if (txInFlight > _model.InflightHi && !InRecovery)
                _model.InflightHi = txInFlight;
            if (State == BbrState.ProbeBwUp)
                ProbeInflightHiUpward(cwndLimited, delivered);
        }
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
                    StartProbeBwUp(now);
                }
                break;
            case BbrState.ProbeBwUp:
                if (IsTimeToGoDown(cwndLimited))
                    StartProbeBwDown(now);
                break;
        }
    }

    /// <summary>BBRProbeInflightHiUpward: while cwnd-limited at inflight_hi, raise it by 1, 2, 4... segments per round.</summary>
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

    /// <summary>BBRIsTimeToProbeBW: the random wait (2-3 s) passed, or as many rounds as Reno would take (≤ 63).</summary>
    private bool IsTimeToProbeBw(Instant now)
    {
        long renoRounds = Math.Min(Inflight(_model.Bw, 1.0) / _mss, 63);
        if (now - _cycleStamp > _bwProbeWait || _roundsSinceBwProbe >= renoRounds)
        {
            StartProbeBwRefill();
            return true;
        }
        return false;
    }

    private bool IsTimeToCruise(long inflight) =>
        inflight <= InflightWithHeadroom() && inflight <= Inflight(_model.MaxBw, 1.0);

    /// <summary>BBRIsTimeToGoDown: inflight_hi limits the probe (restart the plateau search), or the bandwidth plateaued.</summary>
    private bool IsTimeToGoDown(bool cwndLimited)
    {
        if (cwndLimited && _cwnd >= _model.InflightHi)
        {
            _fullBwNow = false;
            _fullBwCount = 0;
            _fullBw = _model.MaxBw;
            return false;
        }
        return _fullBwNow;
    }

    private void StartProbeBwDown(Instant now)
    {
        _model.ResetCongestionSignals();
        _lossInRound = false;
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
        _model.ResetLowerBounds();
        _probeUpRounds = 0;
        _probeUpAcks = 0;
        _ackPhase = AckPhase.Refilling;
        StartRound();
        State = BbrState.ProbeBwRefill;
        _pacingGain = 1.0;
        _cwndGain = DefaultCwndGain;
    }

    private void StartProbeBwUp(Instant now)
    {
        _ackPhase = AckPhase.ProbeStarting;
        StartRound();
        _fullBwNow = false;
        _fullBwCount = 0;
        _fullBw = _model.MaxBw;
        _cycleStamp = now;
        State = BbrState.ProbeBwUp;
        _pacingGain = 1.25;
        _cwndGain = 2.25;
        RaiseInflightHiSlope();
    }
}
