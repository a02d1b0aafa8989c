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
    private const int DupThresh = 3; // RFC 6675 §2 / RFC 5681 §3.2

    private bool _sackRecovery;
    private RetransmitLog? _retransmitLog;
    private readonly ProportionalRateReduction _prr = new();
    private bool _rescueUsed;         // RFC 6675 NextSeg rule 4: one rescue retransmission per recovery
    private long _lostRetransmits;

    // RFC 8985 §7 tail loss probe and a time-based loss mark in RACK's spirit (§6.2: a hole that later-sent,
    // delivered data overtook more than a reordering window ago is lost).
    private Instant _ptoAt = Instant.MaxValue;
    private bool _ptoRearm;           // a new ACK arrived since the probe timer was last set
    private bool _tlpOutstanding;     // a probe went and no ACK has advanced SND.UNA since: no second probe
    private SeqNumber _ptoSndMax;     // SND.MAX when it was last set: new data sent since re-arms it
    private bool _tlpPending;         // the probe timer fired: a probe goes regardless of cwnd
    private SeqNumber _tlpFrom;       // SND.MAX when it fired: a new-data probe may take two segments from here
    private Instant _reorderAt = Instant.MaxValue;
    private SeqNumber _reorderMark;   // the highest SACKed octet when the reordering timer was armed
    private SeqNumber _rackLostBelow; // with _rackLost: unSACKed octets below this are lost by the time rule
    private bool _rackLost;
    private long _lossProbes;

    /// <summary>Tail loss probes sent (RFC 8985 §7).</summary>
    public long LossProbes => _lossProbes;

    /// <summary>Retransmissions found lost (overtaken by later segments) and resent without waiting for the RTO.</summary>
    public long LostRetransmits => _lostRetransmits;

    /// <summary>RFC 6675 §5 step 4: enter SACK loss recovery; the first retransmission goes out at once.</summary>
    private void EnterSackRecovery()
    {
        _sackRecovery = true;
        _retransmitLog ??= new RetransmitLog();
        _retransmitLog.Clear();
        _prr.Start(_sndMax - _sndUna);
        _rescueUsed = false;
        _ptoAt = Instant.MaxValue;
        _tlpPending = false;
    }

    private void ExitSackRecovery()
    {
        _sackRecovery = false;
        _retransmitLog?.Clear();
        _rackLost = false;
        _reorderAt = Instant.MaxValue;
    }

    /// <summary>Unacknowledged, unSACKed octets below this count as lost: RFC 6675 IsLost (DupThresh) or the time rule.</summary>
    private SeqNumber LostBelow()
    {
        SeqNumber boundary = _scoreboard is { Count: > 0 } sb ? sb.LostBoundary(_sndUna, DupThresh, _sendMss) : _sndUna;
        return _rackLost && _rackLostBelow > boundary ? SeqNumber.Min(_rackLostBelow, _sndMax) : boundary;
    }

    /// <summary>RACK's reordering window (RFC 8985 §6.2): a quarter of SRTT, at least 1 ms.</summary>
    private TimeSpan ReorderWindow()
    {
        var srtt = _rtt.SmoothedRtt ?? TimeSpan.FromMilliseconds(1);
        return TimeSpan.FromTicks(Math.Max(srtt.Ticks / 4, TimeSpan.TicksPerMillisecond));
    }

    /// <summary>
    /// An ACK SACKed data above a hole without the hole meeting DupThresh (a short flight, lost ACKs, the
    /// last holes of a recovery): if it is still there a reordering window later, it is lost (RFC 8985
    /// §6.2 in spirit: later-sent data was delivered and this was not).
    /// </summary>
    private void ArmReorderTimer(Instant now)
    {
        if (_scoreboard is not { Count: > 0 } sb || (!_sackRecovery && (_congestion.InRecovery || _sndUna < _recover)))
            return;
        if (LostBelow() >= sb.HighestSacked)
            return; // every hole below the SACKs already counts as lost
        if (_reorderAt == Instant.MaxValue || LostBelow() >= _reorderMark)
            _reorderAt = now + ReorderWindow(); // new holes: their window starts now
        _reorderMark = sb.HighestSacked;
    }

    private void OnReorderTimer()
    {
        _reorderAt = Instant.MaxValue;
        if (!_sack || _scoreboard is not { Count: > 0 } || LostBelow() >= _reorderMark || !IsSynchronized || _sndMax == _sndUna)
            return;
        if (!_sackRecovery && (_congestion.InRecovery || _sndUna < _recover))
            return;
        _rackLostBelow = _reorderMark;
        _rackLost = true;
        Trace?.Trace(this, $"reordering window passed: octets below {_reorderMark} lost");
        if (!_sackRecovery)
            EnterRecovery();
        RequestPoll();
    }

    /// <summary>
    /// RFC 8985 §7.2: once a burst is out, if new data went or a new ACK came since the probe timer was
    /// set, set it again: with data in flight and no recovery under way, probe the tail after
    /// PTO = 2*SRTT + 2 ms (plus the RTO floor for a single segment, whose ACK may be delayed, as Linux),
    /// never later than the RTO.
    /// </summary>
    private void ArmLossProbeAfterSend(Instant now)
    {
        if (_tlpOutstanding)
            _ptoSndMax = _sndMax; // one probe per flight: only an ACK of new data re-arms the timer (§7.2)
        if (!_ptoRearm && _sndMax == _ptoSndMax)
            return;
        _ptoRearm = false;
        _ptoSndMax = _sndMax;
        _ptoAt = Instant.MaxValue;
        // §7.2: not while a timeout's go-back-N is under way (SND.UNA below RecoveryPoint): there the RTO and its
        // backoff must run, and a probe would only push new data past the hole.
        if (!_sack || (!_sackRecovery && (_congestion.InRecovery || _sndUna < _recover)) || _sndMax == _sndUna || _sndNxt != _sndMax || _rtt.SmoothedRtt is not { } srtt
            || State is not (TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.Closing or TcpState.LastAck))
            return;
        long pto = 2 * srtt.Ticks + (_sndMax - _sndUna <= _sendMss ? _config.MinRto.Ticks : 2 * TimeSpan.TicksPerMillisecond);
        var at = now + TimeSpan.FromTicks(pto);
        _ptoAt = at < _rtoAt ? at : Instant.MaxValue; // the RTO would come first: leave it to the RTO
    }

    private void OnLossProbeTimer(Instant now)
    {
        _ptoAt = Instant.MaxValue;
        if (_sndMax == _sndUna || _sndNxt != _sndMax || !CanCarryData)
            return;
        if (_sackRecovery)
        {
            // No ACK for a whole PTO in recovery: nothing later-sent will arrive to prove the oldest retransmission
            // lost, so take it as lost now and resend it (or the first hole) rather than wait for the RTO. RFC 8985
            // §7.2 keeps probes out of recovery; this is the same idea for the recovery's own tail.
            if (_retransmitLog!.DropOldest())
                _lostRetransmits++;
            _fastRetransmitPending = true;
            _tlpOutstanding = true;
            _lossProbes++;
            _rtoAt = now + _rtt.Rto;
            Trace?.Trace(this, $"loss probe in recovery, snd.una {_sndUna} snd.max {_sndMax}");
            RequestPoll();
            return;
        }
        if (_congestion.InRecovery || _sndUna < _recover)
            return;
        // §7.3: new data if it may go, else the last segment again; then the RTO guards it. A new-data probe is two
        // segments, not one: a lone in-order segment sits in a delayed-ACK receiver's timer (Linux: 40 ms), two
        // full segments are ACKed at once (RFC 5681 §4.2). Linux answers a duplicate segment at most every 500 ms
        // (tcp_invalid_ratelimit), so resending data it holds is the fallback only.
        _tlpPending = true;
        _tlpOutstanding = true;
        _tlpFrom = _sndMax;
        _lossProbes++;
        _rtoAt = now + _rtt.Rto;
        Trace?.Trace(this, $"tail loss probe, snd.una {_sndUna} snd.max {_sndMax}");
        RequestPoll();
    }

    /// <summary>A new-data probe may still send (up to two segments past SND.MAX at the probe).</summary>
    private bool TlpNewDataAllowed => _tlpPending && !_congestion.InRecovery && _sndMax - _tlpFrom < 2 * _sendMss;

    /// <summary>The tail loss probe (RFC 8985 §7.3): new data goes through TryPlanNewData; else the last segment again.</summary>
    private bool TryBuildTailProbe(Instant now, Span<byte> payloadBuffer, out TcpRepr segment)
    {
        segment = default;
        if (_sndMax != _tlpFrom || _congestion.InRecovery || _sndMax == _sndUna || _sndNxt != _sndMax)
        {
            if (!TlpNewDataAllowed)
                _tlpPending = false;
            return false;
        }
        if (NewDataSendable())
            return false; // TryPlanNewData sends it, allowed past cwnd by UsableWindow
        _tlpPending = false;
        SeqNumber finSeq = _sndBufferSeq + _sendBuffer!.Count;
        SeqNumber dataEnd = SeqNumber.Min(_sndMax, finSeq);
        SeqNumber start = SeqNumber.Max(_sndUna, dataEnd - Math.Min(_sendMss, payloadBuffer.Length));
        int len = Math.Max(0, dataEnd - start);
        bool fin = _finQueued && finSeq < _sndMax && start + len == finSeq;
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
        long lost = _retransmitLog!.Update(_sndUna, _scoreboard);
        if (lost > 0)
        {
            _lostRetransmits++;
            _congestion.OnLossDetected(lost, _sndMax - _sndUna);
            Trace?.Trace(this, $"lost retransmission ({lost} octets) detected, resending");
        }
        long pipe = Pipe();
        long sndcnt = _prr.OnAck(delivered, pipe, _congestion.SlowStartThreshold, _sndMax - _recover, _sendMss);
        _congestion.OnRecoveryQuota(pipe, sndcnt);
    }

    /// <summary>RFC 6937's cwnd in SACK recovery: what the controller set from PRR's quota, none before the first ACK.</summary>
    private long RecoveryWindow => _prr.HasQuota ? _congestion.Window : 0;

    /// <summary>
    /// RFC 6675 §4 SetPipe(): octets believed in the network, i.e. unSACKed octets not deemed lost plus
    /// retransmissions not yet ACKed or SACKed.
    /// </summary>
    private long Pipe()
    {
        long retransmitted = _retransmitLog?.InFlight(_sndUna, _scoreboard) ?? 0;
        if (_scoreboard is not { Count: > 0 } sb)
            return (_sndMax - _sndUna) + retransmitted;
        SeqNumber lostBelow = LostBelow();
        long notLost = (_sndMax - lostBelow) - sb.SackedBytesBetween(lostBelow, _sndMax);
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
        long peer = _sndWnd - (_sndNxt - _sndUna);
        if (TlpNewDataAllowed)
            return Math.Min(peer, (_tlpFrom + (2 * _sendMss)) - _sndMax); // the probe ignores cwnd (RFC 8985 §7.3)
        if (_sackRecovery)
        {
            long allowance = RecoveryWindow - Pipe();
            if (allowance <= 0)
                return Math.Min(peer, allowance);
            long rounded = (allowance + _sendMss - 1) / _sendMss * _sendMss;
            return Math.Min(peer, rounded);
        }
        long inFlight = _sndNxt - _sndUna;
        if (!_congestion.InRecovery && _scoreboard is { Count: > 0 })
        {
            // RFC 6675 §5 step 2: before recovery, limited transmit is cwnd - pipe; SACKed octets left the network.
            inFlight = Math.Max(0, inFlight - _scoreboard.SackedBytesBetween(_sndUna, _sndNxt));
            limitedTransmit = 0;
        }
        return Math.Min(peer, (long)_congestion.Window + limitedTransmit - inFlight);
    }

    /// <summary>True when SACK recovery has a retransmission to send now (rules 1, 3, 4, within cwnd).</summary>
    private bool SackRetransmitReady() =>
        (_sackRecovery && (_fastRetransmitPending || RecoveryWindow - Pipe() > 0) && TryFindNextSeg(out _, out _, out _))
        || (_tlpPending && !_sackRecovery && _sndMax == _tlpFrom && !NewDataSendable());

    /// <summary>
    /// RFC 6675 §4 NextSeg() for retransmissions: rule 1 (the lowest lost hole not yet retransmitted),
    /// then, only when no new data can go (rule 2 is the caller's), rule 3 (the lowest unSACKed hole below
    /// the highest SACK) and rule 4 (one rescue retransmission of the tail per recovery).
    /// </summary>
    private bool TryFindNextSeg(out SeqNumber start, out int length, out int rule)
    {
        rule = 0;
        var sb = _scoreboard;
        bool haveSack = sb is { Count: > 0 };
        SeqNumber lostBelow = LostBelow();
        if (_fastRetransmitPending && lostBelow <= _sndUna)
            lostBelow = _sndUna + 1; // RFC 6675 §5 step 4.3: the first hole goes at once, lost or not
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
        if (!_rescueUsed && _sndMax > _sndUna)
        {
            // Rule 4: a segment ending at the highest unSACKed octet (the tail, above every SACK).
            SeqNumber floor = haveSack ? SeqNumber.Max(_sndUna, sb!.HighestSacked) : _sndUna;
            SeqNumber end = _sndMax;
            if (end > floor && !(_retransmitLog?.TryGetContaining(end - 1, out _) ?? false))
            {
                start = SeqNumber.Max(floor, end - _sendMss);
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
        SeqNumber s = _sndUna;
        int guard = SackScoreboard.MaxRanges + RetransmitLog.Capacity + 2;
        while (s < below && s < _sndMax && guard-- > 0)
        {
            if (_scoreboard is not null && _scoreboard.TryGetRangeContaining(s, out var sackEnd))
            {
                s = sackEnd;
                continue;
            }
            if (_retransmitLog is not null && _retransmitLog.TryGetContaining(s, out var rxtEnd))
            {
                s = rxtEnd;
                continue;
            }
            SeqNumber limit = SeqNumber.Min(_sndMax, s + _sendMss);
            if (_scoreboard is not null && _scoreboard.TryGetNextRangeStart(s, out var nextSack) && nextSack < limit)
                limit = nextSack;
            if (_retransmitLog is not null && _retransmitLog.TryGetNextStart(s, out var nextRxt) && nextRxt < limit)
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
        return length > 0 && start - _sndBufferSeq <= _sendBuffer!.Count;
    }

    /// <summary>RFC 6675 NextSeg rule 2's test: new data is waiting and the peer's window has room for it.</summary>
    private bool NewDataSendable()
    {
        int unsent = _sendBuffer!.Count - (_sndMax - _sndBufferSeq);
        if (_sndMax - _sndUna >= _sndWnd)
            return false;
        if (unsent >= _sendMss)
            return true;
        if (unsent > 0)
            return _config.NoDelay || _finQueued;
        return _finQueued && unsent == 0 && _sndMax == _sndBufferSeq + _sendBuffer.Count; // the FIN itself is unsent
    }

    /// <summary>Builds the retransmission NextSeg chose; the first hole goes regardless of cwnd (RFC 6675 §5 step 4.3).</summary>
    private bool TryBuildSackRetransmit(Instant now, Span<byte> payloadBuffer, out TcpRepr segment)
    {
        segment = default;
        bool forced = _fastRetransmitPending;
        _fastRetransmitPending = false;
        if (!forced && RecoveryWindow - Pipe() <= 0)
            return false;
        if (!TryFindNextSeg(out var start, out int span, out int rule))
            return false;
        SeqNumber finSeq = _sndBufferSeq + _sendBuffer!.Count;
        int len = (int)Math.Min(Math.Min(span, payloadBuffer.Length), Math.Max(0, finSeq - start));
        bool fin = _finQueued && start + len == finSeq && finSeq < _sndMax;
        if (len == 0 && !fin)
            return false;
        segment = BuildData(now, start, len, fin, payloadBuffer);
        int octets = len + (fin ? 1 : 0);
        _retransmitLog!.Add(start, start + octets, _sndMax, lost: rule == 1);
        _prr.OnRetransmit(octets);
        if (rule == 4)
            _rescueUsed = true;
        return true;
    }
}
