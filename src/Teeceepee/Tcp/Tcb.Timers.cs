using Teeceepee.Wire;

namespace Teeceepee.Tcp;

public sealed partial class Tcb
{
    /// <summary>The next instant <see cref="TryDispatch"/> has work: <see cref="Instant.Zero"/> for "now", <see cref="Instant.MaxValue"/> for never.</summary>
    public Instant PollAt()
    {
        if (HasPendingOutput())
            return Instant.Zero;
        var at = Instant.Min(_timers.Earliest(), Instant.Min(_loss.PtoAt, _loss.ReorderAt));
        if (HasPendingData())
            at = Instant.Min(at, PacedWakeAt); // paced: the next departure less the slack (Instant.Zero when unpaced)
        return Instant.Min(at, KeepAliveDeadline);
    }

    /// <summary>When the last acceptable segment arrived (RFC 1122 §4.2.3.6; also the reachability hint of RFC 4861 §7.3.1).</summary>
    internal Instant LastAcceptableSegmentAt => _timers.LastReceivedAt;

    private bool HasPendingOutput()
    {
        if (_rstPending)
            return true;
        if (State is TcpState.SynSent or TcpState.SynReceived && _snd.Nxt == _snd.Iss)
            return true;
        return State >= TcpState.SynReceived && (_ackNow || _timers.KeepAliveNow || _dupAcksToSend > 0);
    }

    private bool HasPendingData() =>
        CanCarryData && (_loss.FastRetransmitPending || _loss.RackRepairPending || SackRetransmitReady() || TryPlanNewData(_snd.Mss, _snd.Mss, out _, out _));

    private Instant KeepAliveDeadline
    {
        get
        {
            if (!_config.KeepAlive || State is not (TcpState.Established or TcpState.CloseWait) || _snd.Max != _snd.Una)
                return Instant.MaxValue;
            return _timers.KeepAliveProbes == 0
                ? _timers.LastReceivedAt + _config.KeepAliveIdle
                : _timers.LastKeepAliveAt + _config.KeepAliveInterval;
        }
    }

    private void RunTimers(Instant now)
    {
        if (now >= _loss.PtoAt && _loss.PtoAt <= _timers.RtoAt)
            OnLossProbeTimer(now); // RFC 8985 §7.2: a probe due with the RTO goes instead of it (it re-arms the RTO)
        if (now >= _timers.RtoAt)
            OnRetransmitTimeout(now);
        if (now >= _loss.ReorderAt)
            OnReorderTimer(now);
        if (now >= _loss.PtoAt)
            OnLossProbeTimer(now);
        if (now >= _timers.DelayedAckAt)
        {
            // RFC 1122 §4.2.3.2: the delayed ACK is due.
            _timers.DelayedAckAt = Instant.MaxValue;
            if (IsSynchronized)
                _ackNow = true;
        }
        if (now >= _timers.PersistAt)
        {
            // RFC 9293 §3.8.6.1: probe the zero window with one octet; further probes back off through the RTO.
            _timers.PersistAt = Instant.MaxValue;
            _forceOne = true;
            Trace?.Trace(this, "zero-window probe");
        }
        if (now >= KeepAliveDeadline)
            OnKeepAliveTimer(now);
        if (now >= _timers.TimeWaitAt)
        {
            _timers.TimeWaitAt = Instant.MaxValue;
            // RFC 9293 §3.10.8: TIME-WAIT (or the orphaned FIN-WAIT-2 wait) ends → CLOSED.
            if (State is TcpState.TimeWait or TcpState.FinWait2)
                SetState(TcpState.Closed);
        }
    }

    private void OnRetransmitTimeout(Instant now)
    {
        _timers.RtoAt = Instant.MaxValue;
        if (_snd.Max == _snd.Una || State is TcpState.Closed or TcpState.TimeWait)
            return;
        _timeouts++;
        _timers.Retries++;
        bool duringRecovery = _congestion.InRecovery || _loss.SackRecovery;
        int limit = State is TcpState.SynSent or TcpState.SynReceived ? _config.SynRetries : _config.MaxRetransmissions;
        bool userTimeout = _config.UserTimeout is { } ut && State > TcpState.SynReceived && now - _timers.UnackedSince >= ut;
        if (_timers.Retries > limit || userTimeout)
        {
            // RFC 9293 §3.10.8 / RFC 1122 §4.2.3.5 R2: give up.
            Fail(TimeoutError);
            return;
        }
        // RFC 6298 §5.5: back off; §5.4: retransmit the earliest unacknowledged segment.
        _rtt.OnRetransmitTimeout();
        OnTimeoutForPathMtu(now);
        if (_snd.Window != 0 && State >= TcpState.Established)
        {
            _congestion.OnRetransmitTimeout(_snd.Max - _snd.Una); // a zero-window probe timing out is no congestion signal
            _rate.OnRetransmitTimeout();
            ArmUndo(timeout: true);
        }
        _loss.Recover = _snd.Max; // RFC 6582 §3.2 step 1 after a timeout
        ExitSackRecovery(forgetRetransmissions: true); // RFC 6675 §5.1: a timeout ends SACK recovery; the go-back-N resends all
        _loss.PtoAt = Instant.MaxValue;
        _loss.TlpPending = false;
        _loss.TlpOutstanding = false;
        _loss.HighRxt = _snd.Una;
        if (_timers.Retries >= 2)
            _loss.Scoreboard?.Clear(); // the receiver may have reneged on SACKed data (RFC 2018 §8)
        _loss.DupAcks = 0;
        _loss.FastRetransmitPending = false;
        _rttTiming = false;
        _snd.Nxt = _snd.Una;
        _forceOne = true;
        _timers.RtoAt = now + _rtt.Rto;
        RackOnRetransmitTimeout(now); // RFC 8985 §6.3 (Tcb.Rack.cs)
        ArmFrto(duringRecovery);      // RFC 5682 step 1 (Tcb.Frto.cs)
        Trace?.Trace(this, $"retransmission timeout #{_timers.Retries}, rto {_rtt.Rto.TotalMilliseconds} ms, snd.una {_snd.Una} snd.max {_snd.Max}");
    }

    private void OnKeepAliveTimer(Instant now)
    {
        if (_timers.KeepAliveProbes >= _config.KeepAliveCount)
        {
            // RFC 1122 §4.2.3.6: the peer stopped answering.
            Fail(TimeoutError);
            return;
        }
        _timers.KeepAliveProbes++;
        _timers.LastKeepAliveAt = now;
        _timers.KeepAliveNow = true;
    }

    private void ArmPersistIfBlocked(Instant now)
    {
        // RFC 9293 §3.8.6.1: with data waiting, nothing in flight and no usable window, start the persist timer.
        if (_timers.PersistAt != Instant.MaxValue || !CanCarryData || _snd.Max != _snd.Una)
            return;
        int unsent = _snd.Buffer!.Count - (_snd.Nxt - _snd.BufferSeq);
        if (unsent <= 0)
            return;
        long usable = Math.Min(_snd.Window, (long)_congestion.Window) - (_snd.Nxt - _snd.Una);
        if (usable >= Math.Min(unsent, _snd.Mss))
            return;
        var rto = _rtt.Rto;
        long ticks = Math.Min(rto.Ticks << Math.Min(_timers.PersistBackoff, 16), _config.MaxRto.Ticks);
        _timers.PersistAt = now + TimeSpan.FromTicks(Math.Max(ticks, _config.MinRto.Ticks));
        _timers.PersistBackoff++;
    }

    private void ArmTimeWait(Instant now) => _timers.TimeWaitAt = now + (_config.Msl + _config.Msl);

    private void ArmFinWait2Timeout(Instant now) => _timers.TimeWaitAt = now + _config.FinWait2Timeout;

    private void ClearTimersForClose()
    {
        _timers.RtoAt = Instant.MaxValue;
        _loss.PtoAt = Instant.MaxValue;
        _loss.ReorderAt = Instant.MaxValue;
        _loss.TlpPending = false;
        _timers.PersistAt = Instant.MaxValue;
        _timers.DelayedAckAt = Instant.MaxValue;
        _timers.KeepAliveNow = false;
        if (State != TcpState.TimeWait)
            _timers.TimeWaitAt = Instant.MaxValue;
    }

    /// <summary>
    /// The one RTT-sample path, for the ACK of our SYN and of data: timestamps (RFC 7323 §4.1) or one timed segment
    /// under Karn's rule (RFC 6298 §3). Feeds <see cref="RttEstimator"/> and returns the sample for the controller.
    /// </summary>
    private TimeSpan? TakeRttSample(Instant now, in TcpRepr segment, SeqNumber ack) => TakeRttSample(now, segment, ack, out _);

    private TimeSpan? TakeRttSample(Instant now, in TcpRepr segment, SeqNumber ack, out bool fromRetransmission)
    {
        TimeSpan? sample = null;
        fromRetransmission = false;
        if (_timestamps && segment.Timestamp is { EchoReply: not 0 } ts)
        {
            // RFC 7323 §4.1 samples every ACK of new data. An echo older than our last retransmission measures the
            // whole loss episode (the peer echoes the segment that last advanced its RCV.NXT, §4.3) and under heavy
            // loss would inflate SRTT without bound; time from that retransmission instead, which still ends the
            // backoff (RFC 6298 §5.7) now that the path answers. The same holds for a retransmitted SYN.
            uint from = _tsRetransmitted && unchecked((int)(ts.EchoReply - _tsRetransmitFloor)) < 0 ? _tsRetransmitFloor : ts.EchoReply;
            sample = TimeSpan.FromMilliseconds(Math.Max(0, unchecked((int)(TsNow(now) - from))));
            fromRetransmission = from != ts.EchoReply;
            if (fromRetransmission && _loss.Rack.Active && _loss.Rack.TryDeliveryRtt(now, ack, segment.SackBlocks, out var delivered))
            {
                // The echo is ambiguous, but this ACK delivered a segment sent once: RACK's send time for it is an
                // unambiguous sample (RFC 6298 §3), as Linux takes from its retransmission queue (and SACK RTT).
                sample = delivered < TimeSpan.Zero ? TimeSpan.Zero : delivered;
                fromRetransmission = false;
                _rackRttSamples++;
            }
            if (!fromRetransmission)
                NoteMinRtt(sample.Value); // a sample timed from a retransmission may be shorter than the path
        }
        else if (_rttTiming && ack > _rttSeq)
        {
            sample = now - _rttSentAt;
            NoteMinRtt(sample.Value);
        }
        if (_rttTiming && ack > _rttSeq)
            _rttTiming = false;
        if (sample is not { } rtt)
            return null;
        if (rtt < TimeSpan.Zero)
            rtt = TimeSpan.Zero;
        if (fromRetransmission && _rtt.SmoothedRtt is { } srtt && rtt < srtt)
        {
            // Timed from the retransmission, the ACK was clocked by a segment sent before it: the sample is only a lower
            // bound on that segment's RTT and may be far below the path's. It still ends the backoff (RFC 6298 §5.7),
            // but does not drag SRTT (and the RTO, the pacing rate, the PTO) down: the estimator sees SRTT itself.
            rtt = srtt;
        }
        _rtt.OnRttSample(rtt);
        Scheduler?.OnRttSample(this, rtt);
        Trace?.Trace(this, $"rtt sample {rtt.TotalMilliseconds} ms, srtt {_rtt.SmoothedRtt?.TotalMilliseconds} ms, rto {_rtt.Rto.TotalMilliseconds} ms");
        return rtt;
    }
}
