namespace Teeceepee.Tcp;

public sealed partial class Tcb
{
    private Instant _rtoAt = Instant.MaxValue;
    private Instant _persistAt = Instant.MaxValue;
    private int _persistBackoff;
    private Instant _timeWaitAt = Instant.MaxValue;   // TIME-WAIT end, or the orphaned FIN-WAIT-2 timeout
    private Instant _lastReceivedAt;
    private Instant _lastKeepAliveAt;
    private int _keepAliveProbes;
    private bool _keepAliveNow;
    private int _retries;                             // consecutive timeouts without progress
    private Instant _unackedSince;

    /// <summary>The next instant <see cref="TryDispatch"/> has work: <see cref="Instant.Zero"/> for "now", <see cref="Instant.MaxValue"/> for never.</summary>
    public Instant PollAt()
    {
        if (HasPendingOutput())
            return Instant.Zero;
        var at = Instant.Min(_rtoAt, _delayedAckAt);
        at = Instant.Min(at, Instant.Min(_ptoAt, _reorderAt));
        at = Instant.Min(at, _persistAt);
        at = Instant.Min(at, _timeWaitAt);
        return Instant.Min(at, KeepAliveDeadline);
    }

    private bool HasPendingOutput()
    {
        if (_rstPending)
            return true;
        if (State is TcpState.SynSent or TcpState.SynReceived && _sndNxt == _iss)
            return true;
        if (CanCarryData && (_fastRetransmitPending || SackRetransmitReady() || TryPlanNewData(_sendMss, _sendMss, out _, out _)))
            return true;
        return State >= TcpState.SynReceived && (_ackNow || _keepAliveNow || _dupAcksToSend > 0);
    }

    private Instant KeepAliveDeadline
    {
        get
        {
            if (!_config.KeepAlive || State is not (TcpState.Established or TcpState.CloseWait) || _sndMax != _sndUna)
                return Instant.MaxValue;
            return _keepAliveProbes == 0
                ? _lastReceivedAt + _config.KeepAliveIdle
                : _lastKeepAliveAt + _config.KeepAliveInterval;
        }
    }

    private void RunTimers(Instant now)
    {
        if (now >= _rtoAt)
            OnRetransmitTimeout(now);
        if (now >= _reorderAt)
            OnReorderTimer();
        if (now >= _ptoAt)
            OnLossProbeTimer(now);
        if (now >= _delayedAckAt)
        {
            // RFC 1122 §4.2.3.2: the delayed ACK is due.
            _delayedAckAt = Instant.MaxValue;
            if (IsSynchronized)
                _ackNow = true;
        }
        if (now >= _persistAt)
        {
            // RFC 9293 §3.8.6.1: probe the zero window with one octet; further probes back off through the RTO.
            _persistAt = Instant.MaxValue;
            _forceOne = true;
            Trace?.Trace(this, "zero-window probe");
        }
        if (now >= KeepAliveDeadline)
            OnKeepAliveTimer(now);
        if (now >= _timeWaitAt)
        {
            _timeWaitAt = Instant.MaxValue;
            // RFC 9293 §3.10.8: TIME-WAIT (or the orphaned FIN-WAIT-2 wait) ends → CLOSED.
            if (State is TcpState.TimeWait or TcpState.FinWait2)
                SetState(TcpState.Closed);
        }
    }

    private void OnRetransmitTimeout(Instant now)
    {
        _rtoAt = Instant.MaxValue;
        if (_sndMax == _sndUna || State is TcpState.Closed or TcpState.Listen or TcpState.TimeWait)
            return;
        _timeouts++;
        _retries++;
        int limit = State is TcpState.SynSent or TcpState.SynReceived ? _config.SynRetries : _config.MaxRetransmissions;
        bool userTimeout = _config.UserTimeout is { } ut && State > TcpState.SynReceived && now - _unackedSince >= ut;
        if (_retries > limit || userTimeout)
        {
            // RFC 9293 §3.10.8 / RFC 1122 §4.2.3.5 R2: give up.
            Fail(TimeoutError);
            return;
        }
        // RFC 6298 §5.5: back off; §5.4: retransmit the earliest unacknowledged segment.
        _rtt.OnRetransmitTimeout();
        if (_sndWnd != 0 && State >= TcpState.Established)
            _congestion.OnRetransmitTimeout(_sndMax - _sndUna); // a zero-window probe timing out is no congestion signal
        _recover = _sndMax; // RFC 6582 §3.2 step 1 after a timeout
        ExitSackRecovery(); // RFC 6675 §5.1: a timeout ends SACK recovery
        _ptoAt = Instant.MaxValue;
        _tlpPending = false;
        _tlpOutstanding = false;
        _highRxt = _sndUna;
        if (_retries >= 2)
            _scoreboard?.Clear(); // the receiver may have reneged on SACKed data (RFC 2018 §8)
        _dupAcks = 0;
        _fastRetransmitPending = false;
        _rttTiming = false;
        _sndNxt = _sndUna;
        _forceOne = true;
        _rtoAt = now + _rtt.Rto;
        Trace?.Trace(this, $"retransmission timeout #{_retries}, rto {_rtt.Rto.TotalMilliseconds} ms, snd.una {_sndUna} snd.max {_sndMax}");
    }

    private void OnKeepAliveTimer(Instant now)
    {
        if (_keepAliveProbes >= _config.KeepAliveCount)
        {
            // RFC 1122 §4.2.3.6: the peer stopped answering.
            Fail(TimeoutError);
            return;
        }
        _keepAliveProbes++;
        _lastKeepAliveAt = now;
        _keepAliveNow = true;
    }

    private void ArmPersistIfBlocked(Instant now)
    {
        // RFC 9293 §3.8.6.1: with data waiting, nothing in flight and no usable window, start the persist timer.
        if (_persistAt != Instant.MaxValue || !CanCarryData || _sndMax != _sndUna)
            return;
        int unsent = _sendBuffer!.Count - (_sndNxt - _sndBufferSeq);
        if (unsent <= 0)
            return;
        long usable = Math.Min(_sndWnd, (long)_congestion.Window) - (_sndNxt - _sndUna);
        if (usable >= Math.Min(unsent, _sendMss))
            return;
        var rto = _rtt.Rto;
        long ticks = Math.Min(rto.Ticks << Math.Min(_persistBackoff, 16), _config.MaxRto.Ticks);
        _persistAt = now + TimeSpan.FromTicks(Math.Max(ticks, _config.MinRto.Ticks));
        _persistBackoff++;
    }

    private void ArmTimeWait(Instant now) => _timeWaitAt = now + (_config.Msl + _config.Msl);

    private void ArmFinWait2Timeout(Instant now) => _timeWaitAt = now + _config.FinWait2Timeout;

    private void ClearTimersForClose()
    {
        _rtoAt = Instant.MaxValue;
        _ptoAt = Instant.MaxValue;
        _reorderAt = Instant.MaxValue;
        _tlpPending = false;
        _persistAt = Instant.MaxValue;
        _delayedAckAt = Instant.MaxValue;
        _keepAliveNow = false;
        if (State != TcpState.TimeWait)
            _timeWaitAt = Instant.MaxValue;
    }

    private void SampleRtt(TimeSpan rtt)
    {
        _rtt.OnRttSample(rtt < TimeSpan.Zero ? TimeSpan.Zero : rtt);
        Scheduler?.OnRttSample(this, rtt < TimeSpan.Zero ? TimeSpan.Zero : rtt);
        Trace?.Trace(this, $"rtt sample {rtt.TotalMilliseconds} ms, srtt {_rtt.SmoothedRtt?.TotalMilliseconds} ms, rto {_rtt.Rto.TotalMilliseconds} ms");
    }
}
