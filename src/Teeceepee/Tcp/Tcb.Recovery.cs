using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// SACK-based loss recovery: RFC 6675 (scoreboard, IsLost with DupThresh, pipe, NextSeg rules 1-4)
/// paced by RFC 6937 proportional rate reduction (PRR-SSRB, as Linux), plus detection of lost
/// retransmissions (a later-sent segment was delivered first) so they are resent without a timeout.
/// Peers without SACK get NewReno (RFC 6582) in <see cref="TryBuildFastRetransmit"/>.
/// </summary>
public sealed partial class Tcb
{
    // The state is LossRecovery's (_loss). RFC 8985 §7 tail loss probe here; RACK's time-based loss detection (§6) in
    // Tcb.Rack.cs.

    /// <summary>Tail loss probes sent (RFC 8985 §7).</summary>
    public long LossProbes => _loss.LossProbes;

    /// <summary>Retransmissions found lost (overtaken by later segments) and resent without waiting for the RTO.</summary>
    public long LostRetransmits => _loss.LostRetransmits;

    /// <summary>
    /// True while loss recovery's or reassembly's tables are rented: the SACK scoreboard, the retransmission log or the
    /// out-of-order range table (issue 13 item 2: none once every hole is filled and everything is acknowledged).
    /// </summary>
    internal bool HasRecoveryStorage =>
        _loss.Scoreboard is { HasStorage: true } || _loss.RetransmitLog is { HasStorage: true } || _rcv.Buffer is { HasOutOfOrderTable: true };

    /// <summary>
    /// RFC 6675 §5 step 4: enter SACK loss recovery; the first retransmission goes out at once. Retransmissions of the
    /// last recovery still in flight stay marked (RFC 6675's per-segment "retransmitted"; RFC 8985 §6.2: one is sent
    /// again only once RACK finds it lost by its own send time), so a recovery that follows another at once does not
    /// resend what is still on its way.
    /// </summary>
    private void EnterSackRecovery()
    {
        _loss.SackRecovery = true;
        _loss.RetransmitLog ??= new RetransmitLog();
        _loss.RetransmitLog.Update(_snd.Una, _loss.Scoreboard);
        _loss.Prr.Start(_snd.Max - _snd.Una);
        _loss.RescueUsed = false;
        _loss.LossReportedBelow = _snd.Una;
        _loss.PtoAt = Instant.MaxValue;
        _loss.TlpPending = false;
    }

    /// <summary>
    /// Ends SACK recovery. At a full ACK the retransmissions still in flight keep their mark until they are delivered or
    /// found lost (<see cref="UpdateCarriedRetransmissions"/>); a timeout (go-back-N, RFC 6675 §5.1), an undo (RFC 4015:
    /// the originals arrived, the resends are duplicates) or the end of the connection forgets them.
    /// </summary>
    private void ExitSackRecovery(bool forgetRetransmissions)
    {
        _loss.SackRecovery = false;
        if (forgetRetransmissions)
            _loss.RetransmitLog?.Clear();
        else
            _loss.RetransmitLog?.Update(_snd.Una, _loss.Scoreboard);
        _loss.Rack.ClearLost(); // what is still out is judged afresh: a loss found now starts the next recovery
    }

    /// <summary>
    /// Outside SACK recovery, after an ACK: retransmissions carried over from the last recovery leave the log once
    /// acknowledged or SACKed (RACK takes out the lost ones, Tcb.Rack.cs); the log returns its storage with the last.
    /// </summary>
    private void UpdateCarriedRetransmissions()
    {
        if (!_loss.SackRecovery && _loss.RetransmitLog is { Count: > 0 } log)
            log.Update(_snd.Una, _loss.Scoreboard);
    }

    /// <summary>
    /// Unacknowledged, unSACKed octets below this count as lost: RFC 6675 IsLost (LossRecovery.DupThresh) or RACK (RFC 8985
    /// §6.2). RACK's marks below its highest one are a prefix of the data sent once (it leaves in sequence order); the
    /// retransmissions among them still in flight are the RetransmitLog's, which NextSeg skips and pipe counts.
    /// </summary>
    private SeqNumber LostBelow()
    {
        SeqNumber boundary = _loss.Scoreboard is { Count: > 0 } sb ? sb.LostBoundary(_snd.Una, LossRecovery.DupThresh, _snd.Mss) : _snd.Una;
        ref var rack = ref _loss.Rack;
        return rack.HasLost && rack.LostBelow > boundary ? SeqNumber.Min(rack.LostBelow, _snd.Max) : boundary;
    }

    /// <summary>
    /// RACK's reordering window when reordering is allowed for (RFC 8985 §6.2 step 4): reo_wnd_mult × min_RTT / 4, grown
    /// by D-SACKs (Tcb.Undo.cs), capped by SRTT, at least 1 ms. RackReorderWindow (Tcb.Rack.cs) decides when it is zero.
    /// </summary>
    private TimeSpan ReorderWindow()
    {
        var srtt = _rtt.SmoothedRtt ?? TimeSpan.FromMilliseconds(1);
        long minRtt = _minRtt == TimeSpan.MaxValue ? srtt.Ticks : _minRtt.Ticks;
        long window = Math.Min(_loss.ReorderWindowMultiplier * minRtt / 4, srtt.Ticks);
        return TimeSpan.FromTicks(Math.Max(window, TimeSpan.TicksPerMillisecond));
    }

    /// <summary>
    /// RFC 8985 §7.2: once a burst is out, if new data went or a new ACK came since the probe timer was
    /// set, set it again: with data in flight and no recovery under way, probe the tail after
    /// PTO = 2*SRTT + 2 ms (Linux's two-tick floor), or 2*SRTT + WCDelAckT (the RTO floor, 200 ms) for a single
    /// segment, whose ACK may be delayed; when the RTO would come first, the probe goes at the RTO's time instead.
    /// </summary>
    private void ArmLossProbeAfterSend(Instant now)
    {
        if (_loss.TlpOutstanding)
            _loss.PtoSndMax = _snd.Max; // one probe per flight: only an ACK of new data re-arms the timer (§7.2)
        if (!_loss.PtoRearm && _snd.Max == _loss.PtoSndMax)
            return;
        _loss.PtoRearm = false;
        _loss.PtoSndMax = _snd.Max;
        _loss.PtoAt = Instant.MaxValue;
        // §7.2: not while a timeout's go-back-N is under way (SND.UNA below RecoveryPoint): there the RTO and its
        // backoff must run, and a probe would only push new data past the hole.
        if (!_sack || (!_loss.SackRecovery && (_congestion.InRecovery || _snd.Una < _loss.Recover)) || _snd.Max == _snd.Una || _snd.Nxt != _snd.Max || _rtt.SmoothedRtt is not { } srtt
            || State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck))
            return;
        long pto = 2 * srtt.Ticks + (_snd.Max - _snd.Una <= _snd.Mss ? _config.MinRto.Ticks : 2 * TimeSpan.TicksPerMillisecond);
        var at = now + TimeSpan.FromTicks(pto);
        _loss.PtoAt = Instant.Min(at, _timers.RtoAt); // §7.2: PTO = min(PTO, RTO expiry): the probe replaces the timeout
    }

    private void OnLossProbeTimer(Instant now)
    {
        _loss.PtoAt = Instant.MaxValue;
        if (_snd.Max == _snd.Una || _snd.Nxt != _snd.Max || !CanCarryData)
            return;
        if (_loss.SackRecovery)
        {
            // No ACK for a whole PTO in recovery: nothing later-sent will arrive to prove the oldest retransmission
            // lost, so take it as lost now and resend it (or the first hole) rather than wait for the RTO. RFC 8985
            // §7.2 keeps probes out of recovery; this is the same idea for the recovery's own tail.
            if (_loss.RetransmitLog!.DropOldest())
                _loss.LostRetransmits++;
            _loss.FastRetransmitPending = true;
            _loss.TlpOutstanding = true;
            _loss.LossProbes++;
            _timers.RtoAt = now + _rtt.Rto;
            Trace?.Trace(this, $"loss probe in recovery, snd.una {_snd.Una} snd.max {_snd.Max}");
            RequestPoll();
            return;
        }
        if (_congestion.InRecovery || _snd.Una < _loss.Recover)
            return;
        // §7.3: new data if it may go, else the last segment again; then the RTO guards it. A new-data probe is two
        // segments, not one: a lone in-order segment sits in a delayed-ACK receiver's timer (Linux: 40 ms), two
        // full segments are ACKed at once (RFC 5681 §4.2). Linux answers a duplicate segment at most every 500 ms
        // (tcp_invalid_ratelimit), so resending data it holds is the fallback only.
        _loss.TlpPending = true;
        _loss.TlpOutstanding = true;
        _loss.TlpFrom = _snd.Max;
        _loss.LossProbes++;
        if (!_loss.TlpEpisode)
        {
            // §7.4: the episode's probe; new data when it may go (TryPlanNewData), else the last segment again.
            _loss.TlpEpisode = true;
            _loss.TlpIsRetransmission = !NewDataSendable();
            _loss.TlpEndSeq = _snd.Max;
        }
        _timers.RtoAt = now + _rtt.Rto;
        Trace?.Trace(this, $"tail loss probe, snd.una {_snd.Una} snd.max {_snd.Max}");
        RequestPoll();
    }

    /// <summary>A new-data probe may still send (up to two segments past SND.MAX at the probe).</summary>
    private bool TlpNewDataAllowed => _loss.TlpPending && !_congestion.InRecovery && _snd.Max - _loss.TlpFrom < 2 * _snd.Mss;

    /// <summary>The tail loss probe (RFC 8985 §7.3): new data goes through TryPlanNewData; else the last segment again.</summary>
    private bool TryBuildTailProbe(Instant now, Span<byte> payloadBuffer, out TcpRepr segment)
    {
        segment = default;
        if (_snd.Max != _loss.TlpFrom || _congestion.InRecovery || _snd.Max == _snd.Una || _snd.Nxt != _snd.Max)
        {
            if (!TlpNewDataAllowed)
                _loss.TlpPending = false;
            return false;
        }
        if (NewDataSendable())
            return false; // TryPlanNewData sends it, allowed past cwnd by UsableWindow
        _loss.TlpPending = false;
        SeqNumber finSeq = _snd.BufferSeq + _snd.Buffer!.Count;
        SeqNumber dataEnd = SeqNumber.Min(_snd.Max, finSeq);
        SeqNumber start = SeqNumber.Max(_snd.Una, dataEnd - Math.Min(_snd.Mss, payloadBuffer.Length));
        int len = Math.Max(0, dataEnd - start);
        bool fin = _finQueued && finSeq < _snd.Max && start + len == finSeq;
        if (len == 0 && !fin)
            return false;
        segment = BuildData(now, start, len, fin, payloadBuffer);
        return true;
    }

    /// <summary>
    /// Every ACK in SACK recovery (RFC 6937 §3): count what it delivered (SND.UNA advance plus newly
    /// SACKed octets), find lost retransmissions, and set cwnd = pipe + sndcnt.
    /// </summary>
    private void OnSackRecoveryAck(long delivered)
    {
        _loss.RetransmitLog!.Update(_snd.Una, _loss.Scoreboard); // lost retransmissions: RACK took them out (Tcb.Rack.cs)
        ReportNewlyLost();
        long pipe = Pipe();
        long sndcnt = _loss.Prr.OnAck(delivered, pipe, _congestion.SlowStartThreshold, _snd.Max - _loss.Recover, _snd.Mss);
        _congestion.OnRecoveryQuota(pipe, sndcnt);
    }

    /// <summary>
    /// Tells the controller about octets newly deemed lost (RFC 6675 IsLost, RACK's time rule): unSACKed octets between
    /// what was reported before and the loss boundary. BBR needs the volume; CUBIC and NewReno react to the episode.
    /// </summary>
    private void ReportNewlyLost()
    {
        SeqNumber from = SeqNumber.Max(_loss.LossReportedBelow, _snd.Una);
        SeqNumber lostBelow = SeqNumber.Min(LostBelow(), _snd.Max);
        if (lostBelow <= from)
            return;
        long newly = (lostBelow - from) - (_loss.Scoreboard?.SackedBytesBetween(from, lostBelow) ?? 0);
        _loss.LossReportedBelow = lostBelow;
        if (newly > 0)
            _congestion.OnLossDetected(newly, _snd.Max - _snd.Una);
    }

    /// <summary>RFC 6937's cwnd in SACK recovery: what the controller set from PRR's quota, none before the first ACK.</summary>
    private long RecoveryWindow => _loss.Prr.HasQuota ? _congestion.Window : 0;

    /// <summary>
    /// RFC 6675 §4 SetPipe(): octets believed in the network, i.e. unSACKed octets not deemed lost plus
    /// retransmissions not yet ACKed or SACKed.
    /// </summary>
    private long Pipe()
    {
        long retransmitted = _loss.RetransmitLog?.InFlight(_snd.Una, _loss.Scoreboard) ?? 0;
        if (_loss.Scoreboard is not { Count: > 0 } sb)
            return (_snd.Max - _snd.Una) + retransmitted;
        SeqNumber lostBelow = LostBelow();
        long notLost = (_snd.Max - lostBelow) - sb.SackedBytesBetween(lostBelow, _snd.Max);
        return notLost + retransmitted;
    }

    /// <summary>
    /// Octets the windows let out at SND.NXT now (may be negative). In SACK recovery: cwnd - pipe
    /// (RFC 6675 §5 step 5, cwnd from PRR), rounded up to whole segments so the allowance never makes
    /// a runt; otherwise cwnd (plus RFC 3042 limited transmit) minus the flight less SACKed octets.
    /// Both are capped by the peer's window, measured from SND.UNA (RFC 9293 §3.8.6).
    /// </summary>
    private long UsableWindow(int limitedTransmit)
    {
        long peer = _snd.Window - (_snd.Nxt - _snd.Una);
        if (TlpNewDataAllowed)
            return Math.Min(peer, (_loss.TlpFrom + (2 * _snd.Mss)) - _snd.Max); // the probe ignores cwnd (RFC 8985 §7.3)
        if (_loss.FrtoStep == 2 && _snd.Max - _loss.FrtoNewDataFrom < 2 * _snd.Mss)
            return Math.Min(peer, (_loss.FrtoNewDataFrom + (2 * _snd.Mss)) - _snd.Max); // RFC 5682 §3.1 step 2b: two new segments
        if (_loss.SackRecovery)
        {
            long allowance = RecoveryWindow - Pipe();
            if (allowance <= 0)
                return Math.Min(peer, allowance);
            long rounded = (allowance + _snd.Mss - 1) / _snd.Mss * _snd.Mss;
            return Math.Min(peer, rounded);
        }
        long inFlight = _snd.Nxt - _snd.Una;
        if (!_congestion.InRecovery && _loss.Scoreboard is { Count: > 0 })
        {
            // RFC 6675 §5 step 2: before recovery, limited transmit is cwnd - pipe; SACKed octets left the network.
            inFlight = Math.Max(0, inFlight - _loss.Scoreboard.SackedBytesBetween(_snd.Una, _snd.Nxt));
            limitedTransmit = 0;
        }
        return Math.Min(peer, (long)_congestion.Window + limitedTransmit - inFlight);
    }

    /// <summary>True when SACK recovery has a retransmission to send now (rules 1, 3, 4, within cwnd).</summary>
    private bool SackRetransmitReady() =>
        (_loss.SackRecovery && (_loss.FastRetransmitPending || RecoveryWindow - Pipe() > 0) && TryFindNextSeg(out _, out _, out _))
        || (_loss.TlpPending && !_loss.SackRecovery && _snd.Max == _loss.TlpFrom && !NewDataSendable());

    /// <summary>
    /// RFC 6675 §4 NextSeg() for retransmissions: rule 1 (the lowest lost hole not yet retransmitted),
    /// then, only when no new data can go (rule 2 is the caller's), rule 3 (the lowest unSACKed hole below
    /// the highest SACK) and rule 4 (one rescue retransmission of the tail per recovery).
    /// </summary>
    private bool TryFindNextSeg(out SeqNumber start, out int length, out int rule)
    {
        rule = 0;
        var sb = _loss.Scoreboard;
        bool haveSack = sb is { Count: > 0 };
        SeqNumber lostBelow = LostBelow();
        if (_loss.FastRetransmitPending && lostBelow <= _snd.Una)
            lostBelow = _snd.Una + 1; // RFC 6675 §5 step 4.3: the first hole goes at once, lost or not
        if (TryFindHole(lostBelow, out start, out length))
        {
            rule = 1;
            return true;
        }
        if (NewDataSendable())
            return false;
        if (haveSack && TryFindHole(sb!.HighestSacked, out start, out length))
        {
            rule = 3;
            return true;
        }
        if (!_loss.RescueUsed && _snd.Max > _snd.Una)
        {
            // Rule 4: a segment ending at the highest unSACKed octet (the tail, above every SACK).
            SeqNumber floor = haveSack ? SeqNumber.Max(_snd.Una, sb!.HighestSacked) : _snd.Una;
            SeqNumber end = _snd.Max;
            if (end > floor && !(_loss.RetransmitLog?.TryGetContaining(end - 1, out _) ?? false))
            {
                start = SeqNumber.Max(floor, end - _snd.Mss);
                if (TrimToSendable(start, end, out length))
                {
                    rule = 4;
                    return true;
                }
            }
        }
        start = default;
        length = 0;
        return false;
    }

    /// <summary>The lowest octet below <paramref name="below"/> that is neither SACKed nor retransmitted in this recovery, and up to one segment from it.</summary>
    private bool TryFindHole(SeqNumber below, out SeqNumber start, out int length)
    {
        SeqNumber s = _snd.Una;
        int guard = SackScoreboard.MaxRanges + RetransmitLog.Capacity + 2;
        while (s < below && s < _snd.Max && guard-- > 0)
        {
            if (_loss.Scoreboard is not null && _loss.Scoreboard.TryGetRangeContaining(s, out var sackEnd))
            {
                s = sackEnd;
                continue;
            }
            if (_loss.RetransmitLog is not null && _loss.RetransmitLog.TryGetContaining(s, out var rxtEnd))
            {
                s = rxtEnd;
                continue;
            }
            SeqNumber limit = SeqNumber.Min(_snd.Max, s + _snd.Mss);
            if (_loss.Scoreboard is not null && _loss.Scoreboard.TryGetNextRangeStart(s, out var nextSack) && nextSack < limit)
                limit = nextSack;
            if (_loss.RetransmitLog is not null && _loss.RetransmitLog.TryGetNextStart(s, out var nextRxt) && nextRxt < limit)
                limit = nextRxt;
            if (TrimToSendable(s, limit, out length))
            {
                start = s;
                return true;
            }
            break;
        }
        start = default;
        length = 0;
        return false;
    }

    /// <summary>[start, end) as sequence space we can resend (data in the buffer, or the FIN octet): its length, FIN included.</summary>
    private bool TrimToSendable(SeqNumber start, SeqNumber end, out int length)
    {
        length = end - start;
        return length > 0 && start - _snd.BufferSeq <= _snd.Buffer!.Count;
    }

    /// <summary>RFC 6675 NextSeg rule 2's test: new data is waiting and the peer's window has room for it.</summary>
    private bool NewDataSendable()
    {
        int unsent = _snd.Buffer!.Count - (_snd.Max - _snd.BufferSeq);
        if (_snd.Max - _snd.Una >= _snd.Window)
            return false;
        if (unsent >= _snd.Mss)
            return true;
        if (unsent > 0)
            return _config.NoDelay || _finQueued;
        return _finQueued && unsent == 0 && _snd.Max == _snd.BufferSeq + _snd.Buffer.Count; // the FIN itself is unsent
    }

    /// <summary>Builds the retransmission NextSeg chose; the first hole goes regardless of cwnd (RFC 6675 §5 step 4.3).</summary>
    private bool TryBuildSackRetransmit(Instant now, Span<byte> payloadBuffer, out TcpRepr segment)
    {
        segment = default;
        bool forced = _loss.FastRetransmitPending;
        _loss.FastRetransmitPending = false;
        if (!forced && RecoveryWindow - Pipe() <= 0)
            return false;
        if (!TryFindNextSeg(out var start, out int span, out int rule))
            return false;
        SeqNumber finSeq = _snd.BufferSeq + _snd.Buffer!.Count;
        int len = (int)Math.Min(Math.Min(span, payloadBuffer.Length), Math.Max(0, finSeq - start));
        bool fin = _finQueued && start + len == finSeq && finSeq < _snd.Max;
        if (len == 0 && !fin)
            return false;
        segment = BuildData(now, start, len, fin, payloadBuffer);
        int octets = len + (fin ? 1 : 0);
        _loss.RetransmitLog!.Add(start, start + octets);
        _loss.Prr.OnRetransmit(octets);
        if (rule == 4)
            _loss.RescueUsed = true;
        return true;
    }
}
