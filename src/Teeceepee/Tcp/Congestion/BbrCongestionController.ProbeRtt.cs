namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// BBR's ProbeRTT (draft-ietf-ccwg-bbr §5.3.4): after ProbeRTTInterval (5 s) without a lower RTT sample, cwnd falls to half
/// the BDP for ProbeRTTDuration (200 ms) and at least one round, then the flow resumes in ProbeBW_CRUISE (or Startup).
/// </summary>
public sealed partial class BbrCongestionController
{
    /// <summary>BBRCheckProbeRTT.</summary>
    private void CheckProbeRtt(Instant now, long inflight, bool probeRttExpired)
    {
        if (State != BbrState.ProbeRtt && probeRttExpired && _model.MinRtt != TimeSpan.MaxValue)
        {
            // BBREnterProbeRTT, then SaveCwnd (in ProbeRTT: the larger of the saved and the current cwnd).
            State = BbrState.ProbeRtt;
            _pacingGain = 1.0;
            _cwndGain = ProbeRttCwndGain;
            SaveCwnd();
            _probeRttDoneStampSet = false;
            _ackPhase = AckPhase.ProbeStopping;
            StartRound();
        }
        if (State == BbrState.ProbeRtt)
            HandleProbeRtt(now, inflight);
    }

    /// <summary>BBRHandleProbeRTT: ignore ProbeRTT's low rate samples; hold the small flight 200 ms and a round.</summary>
    private void HandleProbeRtt(Instant now, long inflight)
    {
        // MarkConnectionAppLimited: C.app_limited = C.delivered + C.inflight.
        _appLimitedFrom = Math.Min(_appLimitedFrom, _delivered);
        _appLimitedUntil = Math.Max(_appLimitedUntil, Math.Max(_delivered + inflight, 1));
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
                // BBRCheckProbeRTTDone: schedule the next ProbeRTT, restore cwnd, BBRExitProbeRTT.
                _model.ProbeRttMinStamp = now;
                RestoreCwnd();
                _model.ResetLowerBounds(); // ResetShortTermModel: ProbeRTT's congestion may have pulled it far down
                if (_fullBwReached)
                {
                    StartProbeBwDown(now);
                    StartProbeBwCruise(); // inflight is below the BDP already
                }
                else
                {
                    EnterStartup();
                }
            }
        }
    }

    private long ProbeRttCwnd() => Math.Max(Bdp(_model.Bw, ProbeRttCwndGain), MinPipeCwnd);

    /// <summary>BBRSaveCwnd (§5.6.4.4): the last cwnd unmodulated by loss recovery or ProbeRTT.</summary>
    private void SaveCwnd() =>
        _priorCwnd = !InRecovery && State != BbrState.ProbeRtt ? _cwnd : Math.Max(_priorCwnd, _cwnd);

    /// <summary>BBRRestoreCwnd.</summary>
    private void RestoreCwnd() => _cwnd = Math.Max(_cwnd, _priorCwnd);
}
