using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// The ACK field (RFC 9293 §3.10.7.4 fifth): new and duplicate ACKs, the send window update, SACK blocks, and the
/// congestion controller's ACK events (delivered bytes, RTT and delivery-rate samples) and recovery starts.
/// </summary>
public sealed partial class Tcb
{
    /// <summary>§3.10.7.4 fifth: the ACK field. Returns false when the segment must be dropped.</summary>
    private bool ProcessAck(Instant now, in TcpRepr segment, int payloadLength)
    {
        SeqNumber ack = segment.AckNumber!.Value;
        if (ack > _snd.Max)
        {
            // §3.10.7.4 fifth: an ACK for data never sent: send an ACK and drop (RFC 5961 §5.2: rate limited).
            SendChallengeAck(now);
            Drop(TcpDropReason.AckOfUnsentData);
            return false;
        }
        if (ack < _snd.Una - (int)Math.Min(_snd.MaxWindow, int.MaxValue))
        {
            // RFC 5961 §5.2: an ACK older than SND.UNA - MAX.SND.WND is a blind injection attempt.
            SendChallengeAck(now);
            Drop(TcpDropReason.AckTooOld);
            return false;
        }

        long newWindow = (long)segment.WindowLength << _snd.Shift;
        SeqNumber unaBefore = _snd.Una;
        long sackedBefore = _loss.Scoreboard?.SackedBytes ?? 0;
        long frtoSackedBefore = FrtoSackedOriginals();
        if (_sack && segment.SackBlocks.Count > 0)
            ProcessDsack(now, segment); // RFC 2883 / RFC 3708 (Tcb.Undo.cs)
        bool sackProgress = _sack && segment.SackBlocks.Count > 0 && NoteSackBlocks(segment.SackBlocks);
        bool duplicate = ack == _snd.Una && _snd.Max > _snd.Una
            && ((payloadLength == 0 && segment.Control == TcpControl.None && newWindow == _snd.Window && _snd.Window != 0) || sackProgress);
        if (ack > _snd.Una)
        {
            OnNewAck(now, segment, ack, sackedBefore);
            if (!_congestion.InRecovery && _sack && _snd.Una >= _loss.Recover && _snd.Max > _snd.Una
                && _loss.Scoreboard is { Count: > 0 } && _loss.Scoreboard.IsLost(_snd.Una, LossRecovery.DupThresh, _snd.Mss))
            {
                // The ACK moved SND.UNA but the SACKs above it already mark the next hole lost (RFC 6675 §4 IsLost):
                // recover now rather than wait for duplicates that may never come.
                EnterRecovery();
            }
        }
        else if (duplicate)
        {
            // RFC 5681 §2: a duplicate ACK. With SACK (RFC 6675 §5's spirit), an ACK that SACKs new data
            // counts too even when it carries data, so a two-way transfer still detects loss without a timeout.
            long delivered = (_loss.Scoreboard?.SackedBytes ?? 0) - sackedBefore;
            var rate = _rate.OnAck(now, delivered, _snd.Una, HighestDelivered(ack), out bool roundStart);
            _congestion.OnAck(new TcpAckEvent
            {
                Now = now,
                BytesDelivered = delivered,
                BytesInFlight = _snd.Max - _snd.Una,
                Pipe = _congestion.UsesPipe ? (int)Math.Min(Pipe(), int.MaxValue) : null,
                IsDuplicate = true,
                Rate = rate,
                RoundStart = roundStart,
            });
            OnDuplicateAck(sackProgress);
        }
        UpdateCarriedRetransmissions(); // before RACK looks: it may start the next recovery (Tcb.Recovery.cs)
        FrtoOnAck(now, ack, unaBefore, duplicate, frtoSackedBefore); // RFC 5682 (Tcb.Frto.cs); an undo comes before RACK looks
        RackOnAck(now, segment); // RFC 8985 §6.2 (Tcb.Rack.cs): may mark losses, start recovery, repair after a timeout
        TlpOnAck(segment, ack, ack > unaBefore, payloadLength);      // RFC 8985 §7.4
        if (_loss.SackRecovery)
            OnSackRecoveryAck((_snd.Una - unaBefore) + ((_loss.Scoreboard?.SackedBytes ?? 0) - sackedBefore));
        if (sackProgress && _loss.SackRecovery)
            _loss.PtoRearm = true; // in recovery SACKs show the flight is answering: the probe timer starts again
        if (ack > unaBefore)
        {
            _loss.TlpPending = false;
            _loss.TlpOutstanding = false;
            _loss.PtoRearm = true;
        }

        // §3.10.7.4 fifth: update the send window from the newest segment (SND.WL1/SND.WL2 rule).
        if (_snd.Wl1 < segment.SeqNumber || (_snd.Wl1 == segment.SeqNumber && _snd.Wl2 <= ack))
        {
            bool opened = _snd.Window == 0 && newWindow > 0;
            _snd.Window = newWindow;
            _snd.MaxWindow = Math.Max(_snd.MaxWindow, newWindow);
            _snd.Wl1 = segment.SeqNumber;
            _snd.Wl2 = ack;
            if (opened)
            {
                _timers.PersistAt = Instant.MaxValue;
                _timers.PersistBackoff = 0;
                if (ack == _snd.Una && _snd.Nxt > _snd.Una && (_loss.Scoreboard?.SackedBytes ?? 0) == 0)
                {
                    // §3.8.6.1: the probe octets lay outside the closed window and the receiver dropped them (its
                    // update acknowledges none): send again from SND.UNA at this update, not at the next timer.
                    _snd.Nxt = _snd.Una;
                    _loss.HighRxt = _snd.Una;
                }
            }
        }
        if (_snd.Window == 0)
        {
            // A zero-window peer that keeps answering is alive: probes must not time the connection out (§3.8.6.1).
            _timers.Retries = 0;
            _timers.UnackedSince = now;
        }

        // State-specific ACK processing (§3.10.7.4 fifth, per state).
        switch (State)
        {
            case TcpState.FinWait1 when _finAcked:
                // FIN-WAIT-1: our FIN is acknowledged → FIN-WAIT-2.
                SetState(TcpState.FinWait2);
                if (_receiveClosed)
                    ArmFinWait2Timeout(now);
                break;
            case TcpState.Closing when _finAcked:
                // CLOSING: our FIN is acknowledged → TIME-WAIT.
                SetState(TcpState.TimeWait);
                ArmTimeWait(now);
                return false;
            case TcpState.LastAck when _finAcked:
                // LAST-ACK: our FIN is acknowledged → CLOSED.
                SetState(TcpState.Closed);
                return false;
        }
        return true;
    }

    private void OnNewAck(Instant now, in TcpRepr segment, SeqNumber ack, long sackedBefore)
    {
        int flightBefore = _snd.Max - _snd.Una;
        int acked = ack - _snd.Una;
        var rtt = TakeRttSample(now, segment, ack, out bool rttFromRetransmission);

        int remaining = acked;
        if (_snd.Una == _snd.Iss)
            remaining--; // the SYN
        int dataAcked = Math.Min(Math.Max(remaining, 0), _snd.Buffer?.Count ?? 0);
        if (dataAcked > 0)
        {
            _snd.Buffer!.Advance(dataAcked);
            _snd.BufferSeq += dataAcked;
            _bytesAcked += dataAcked;
        }
        remaining -= dataAcked;
        if (remaining > 0 && _finQueued)
            _finAcked = true;

        _snd.Una = ack;
        if (_snd.Nxt < _snd.Una)
            _snd.Nxt = _snd.Una;
        if (_loss.HighRxt < _snd.Una)
            _loss.HighRxt = _snd.Una;
        _loss.Scoreboard?.Prune(ack);
        // Newly delivered: the cumulative advance plus SACK growth, less octets SACKed before and now cumulative.
        long delivered = acked + ((_loss.Scoreboard?.SackedBytes ?? 0) - sackedBefore);
        var rate = _rate.OnAck(now, delivered, _snd.Una, HighestDelivered(ack), out bool roundStart);
        NoteSamples(rate);
        _timers.Retries = 0;
        _timers.UnackedSince = now;
        _timers.KeepAliveProbes = 0;
        LastSoftError = null; // the path works again (Linux clears sk_err_soft on an ACK of new data)

        // Congestion control: the ACK event first (slow start / avoidance outside recovery, RFC 5681 §3.1), then
        // NewReno recovery (RFC 6582 §3.2) or the end of SACK recovery.
        _congestion.OnAck(new TcpAckEvent
        {
            Now = now,
            BytesAcked = acked,
            BytesDelivered = delivered,
            BytesInFlight = flightBefore,
            Pipe = _congestion.UsesPipe ? (int)Math.Min(Pipe(), int.MaxValue) : null,
            RttSample = rtt,
            RttSampleFromRetransmission = rttFromRetransmission,
            Rate = rate,
            RoundStart = roundStart,
        });
        if (_congestion.InRecovery)
        {
            if (ack >= _loss.Recover)
            {
                // RFC 6582 §3.2 step 6 / RFC 6675 §5: a full ACK ends recovery. After SACK recovery PRR kept the
                // flight near ssthresh, so cwnd = ssthresh (RFC 6937 §3.1) rather than NewReno's flight + SMSS.
                int flight = _snd.Max - _snd.Una;
                _congestion.OnRecoveryEnd(_loss.SackRecovery ? Math.Max(flight, _congestion.SlowStartThreshold) : flight);
                ExitSackRecovery(forgetRetransmissions: false);
                _loss.DupAcks = 0;
            }
            else if (_loss.SackRecovery)
            {
                // RFC 6675: a partial ACK needs nothing special; NextSeg and PRR carry on (OnSackRecoveryAck).
            }
            else
            {
                // Partial ACK: retransmit the next hole at once.
                _congestion.OnPartialAck(acked);
                _loss.FastRetransmitPending = true;
            }
        }
        else
        {
            _loss.DupAcks = 0;
        }

        // RFC 6298 §5.2/§5.3: stop the timer when all is acknowledged, else restart it.
        _timers.RtoAt = _snd.Max > _snd.Una ? now + _rtt.Rto : Instant.MaxValue;
        if (_snd.Max == _snd.Una)
            _forceOne = false;
        CheckEifel(now, segment); // RFC 3522 (Tcb.Undo.cs)

        if (dataAcked > 0)
            Observer?.OnWritable(this);
    }

    /// <summary>The minimum RTT for GetInfo (tcpi_min_rtt).</summary>
    private void NoteMinRtt(TimeSpan rtt)
    {
        if (rtt > TimeSpan.Zero && rtt < _minRtt)
            _minRtt = rtt;
    }

    /// <summary>Keeps the latest delivery rate (not app-limited, or higher than the last) for GetInfo.</summary>
    private void NoteSamples(in DeliveryRateSample rate)
    {
        long bps = rate.BytesPerSecond;
        if (bps > 0 && (!rate.IsAppLimited || bps > _deliveryRate))
            _deliveryRate = bps;
    }

    /// <summary>The highest octet this ACK could have delivered: SND.UNA's new value or the highest SACKed octet.</summary>
    private SeqNumber HighestDelivered(SeqNumber ack) =>
        _loss.Scoreboard is { Count: > 0 } sb && sb.HighestSacked > ack ? sb.HighestSacked : ack;

    /// <summary>Records SACK blocks in the scoreboard; true when they SACK octets not known before.</summary>
    private bool NoteSackBlocks(in TcpSackBlocks blocks)
    {
        _loss.Scoreboard ??= new SackScoreboard();
        bool progress = false;
        for (int i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            // RFC 2018 §5 / RFC 6675 §5.1: ignore blocks outside SND.UNA..SND.MAX.
            if (block.Left < _snd.Una || block.Right > _snd.Max || block.Right <= block.Left)
                continue;
            progress |= _loss.Scoreboard.Add(block.Left, block.Right);
        }
        return progress;
    }

    private void OnDuplicateAck(bool sackProgress)
    {
        _loss.DupAcks++;
        if (_loss.SackRecovery)
            return; // RFC 6675 §5: in SACK recovery every ACK is handled by OnSackRecoveryAck
        if (_congestion.InRecovery)
        {
            // RFC 5681 §3.2 step 4: inflate by one segment, which may let new data out.
            _congestion.OnDuplicateAck(_snd.Max - _snd.Una);
            // RFC 6675 §5 (simplified): each ACK that SACKs more data clocks out the next hole.
            if (sackProgress)
                _loss.FastRetransmitPending = true;
        }
        else if (_snd.Una >= _loss.Recover
            && (_loss.DupAcks >= LossRecovery.DupThresh || (_loss.Scoreboard is { Count: > 0 } && _loss.Scoreboard.IsLost(_snd.Una, LossRecovery.DupThresh, _snd.Mss))))
        {
            // RFC 5681 §3.2 steps 2-3, RFC 6582 §3.2 step 2: enter fast recovery (only for data sent after
            // the last recovery or timeout); RFC 6675 §5: also when IsLost(HighACK + 1).
            EnterRecovery();
        }
    }

    /// <summary>Fast retransmit and recovery: SACK-based (RFC 6675) when the peer SACKs, else NewReno (RFC 6582).</summary>
    private void EnterRecovery()
    {
        _loss.Recover = _snd.Max;
        _loss.HighRxt = _snd.Una;
        _congestion.OnRecoveryStart(_snd.Max - _snd.Una);
        ArmUndo(timeout: false);
        if (_sack && _loss.Scoreboard is { Count: > 0 })
            EnterSackRecovery();
        else
            _congestion.OnLossDetected(Math.Min(_snd.Mss, _snd.Max - _snd.Una), _snd.Max - _snd.Una); // NewReno: the first segment is lost
        _loss.FastRetransmitPending = true;
        _fastRetransmits++;
        Trace?.Trace(this, $"fast retransmit at {_snd.Una}{(_loss.SackRecovery ? " (SACK recovery)" : "")}");
    }
}
