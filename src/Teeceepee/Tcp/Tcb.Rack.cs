using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// RACK-TLP (RFC 8985) around <see cref="Rack"/>: each data segment's send time recorded as it leaves, RACK's update and
/// loss detection on every ACK (§6.2) and on its reordering timer (§6.3), the response to its marks (fast recovery, or
/// after a timeout the lost retransmission resent at once instead of waiting for a second timeout), and the tail loss
/// probe's episode (§7.4: a probe that repaired a loss is a congestion event).
/// </summary>
public sealed partial class Tcb
{
    private long _rackRttSamples;

    /// <summary>RTT samples taken from RACK's send times because the timestamp echo predated our last retransmission.</summary>
    internal long RackRttSamples => _rackRttSamples;

    /// <summary>Segments RACK's time rule marked lost (RFC 8985 §6.2).</summary>
    public long RackLostSegments => _loss.Rack.SegmentsMarkedLost;

    /// <summary>Tail loss probes whose episode showed they repaired a loss (RFC 8985 §7.4).</summary>
    public long TailLossProbeRecoveries => _loss.TlpRecoveries;

    /// <summary>A data segment [seq, end) leaves (BuildData): RACK records its time (SACK peers only, §6.1); F-RTO its reach.</summary>
    private void OnDataSent(Instant now, SeqNumber seq, SeqNumber end, bool retransmission)
    {
        if (retransmission && _loss.FrtoStep != 0 && end > _loss.FrtoRetransmittedTo)
            _loss.FrtoRetransmittedTo = SeqNumber.Min(end, _snd.Max);
        if (_sack)
            _loss.Rack.OnSend(seq, end, now);
    }

    /// <summary>
    /// RFC 8985 §6.2 on an ACK (after SND.UNA and the scoreboard moved): steps 2-3 for every segment it newly delivered,
    /// cumulatively or by SACK, then loss detection (step 5) when RACK.xmit_ts advanced.
    /// </summary>
    private void RackOnAck(Instant now, in TcpRepr segment)
    {
        ref var rack = ref _loss.Rack;
        if (!rack.Active)
            return;
        uint? echo = _timestamps && segment.Timestamp is { EchoReply: not 0 } ts ? ts.EchoReply : null;
        var ack = Rack.BeginAck(echo, _tsOffset, _minRtt);
        rack.OnCumulativeAck(ref ack, now, _snd.Una);
        var blocks = segment.SackBlocks;
        for (int i = 0; i < blocks.Count && _sack; i++)
        {
            var block = blocks[i];
            if (block.Left >= _snd.Una && block.Right <= _snd.Max)
                rack.OnSack(ref ack, now, block.Left, block.Right); // D-SACKs below SND.UNA and blocks outside the flight are not news
        }
        if (rack.Advanced)
            RackDetectLoss(now, fromTimer: false);
    }

    /// <summary>RFC 8985 §6.3: the reordering timer fired: look again, and respond as on an ACK.</summary>
    private void OnReorderTimer(Instant now)
    {
        _loss.ReorderAt = Instant.MaxValue;
        if (!_loss.Rack.Active || !IsSynchronized || _snd.Max == _snd.Una || !CanCarryData)
            return;
        RackDetectLoss(now, fromTimer: true);
    }

    /// <summary>
    /// RFC 8985 §6.2 step 4: the reordering window. With no reordering seen it is zero during a recovery (fast or after a
    /// timeout) and once DupThresh segments are SACKed (RFC 6675 would call the hole lost anyway); else
    /// <see cref="ReorderWindow"/>.
    /// </summary>
    private TimeSpan RackReorderWindow()
    {
        if (_loss.Rack is { Active: true, ReorderingSeen: false }
            && (_loss.SackRecovery || _congestion.InRecovery || _snd.Una < _loss.Recover
                || (_loss.Scoreboard?.SackedBytes ?? 0) >= (long)LossRecovery.DupThresh * _snd.Mss))
            return TimeSpan.Zero;
        return ReorderWindow();
    }

    private void RackDetectLoss(Instant now, bool fromTimer)
    {
        int lost = _loss.Rack.DetectLoss(now, RackReorderWindow(), _loss.RetransmitLog,
            out long lostOctets, out int lostRetransmissions, out long lostRetransmittedOctets, out var timeout);
        _loss.ReorderAt = timeout > TimeSpan.Zero ? now + timeout : Instant.MaxValue; // §6.3
        if (lost == 0)
            return;
        Trace?.Trace(this, $"RACK: {lost} segments ({lostOctets} octets) lost{(lostRetransmissions > 0 ? $", {lostRetransmissions} of them retransmissions" : "")}");
        _loss.LostRetransmits += lostRetransmissions;
        bool afterTimeout = !_loss.SackRecovery && !_congestion.InRecovery && _snd.Una < _loss.Recover;
        if (afterTimeout)
        {
            // §6.3: after a timeout the go-back-N's own retransmissions are judged too; a lost one goes again at once.
            if (lostRetransmittedOctets > 0)
            {
                _congestion.OnLossDetected(lostRetransmittedOctets, _snd.Max - _snd.Una);
                _loss.RackRepairPending = true;
                RequestPoll();
            }
            return;
        }
        if (lostRetransmittedOctets > 0 && _loss.SackRecovery)
            _congestion.OnLossDetected(lostRetransmittedOctets, _snd.Max - _snd.Una); // below the reported boundary already
        if (!_loss.SackRecovery && !_congestion.InRecovery && _snd.Una >= _loss.Recover)
            EnterRecovery(); // RFC 8985 §6.2: a segment marked lost starts fast recovery
        if (fromTimer && _loss.SackRecovery)
            ReportNewlyLost(); // on an ACK, OnSackRecoveryAck reports
        RequestPoll();
    }

    /// <summary>RFC 8985 §6.3 on a retransmission timeout: mark what the timeout proves lost; the go-back-N starts now.</summary>
    private void RackOnRetransmitTimeout(Instant now)
    {
        _loss.TimeoutAt = now;
        _loss.RackRepairPending = false;
        _loss.TlpEpisode = false;
        ref var rack = ref _loss.Rack;
        if (!rack.Active)
            return;
        if (_timers.Retries >= 2)
            rack.Log.ClearSacked(); // with the scoreboard: the receiver may have reneged (RFC 2018 §8)
        rack.OnRetransmitTimeout(now, _snd.Una, RackReorderWindow());
    }

    /// <summary>
    /// After a timeout RACK found a retransmission the go-back-N sent lost (it left after the timeout and something sent
    /// later arrived): resend the lowest such segment now, regardless of cwnd (it left the network), rather than wait for
    /// a second timeout. False when none is left.
    /// </summary>
    private bool TryBuildRackRepair(Instant now, Span<byte> payloadBuffer, out TcpRepr segment)
    {
        segment = default;
        if (_loss.Rack.Active && CanCarryData)
        {
            ref var log = ref _loss.Rack.Log;
            for (int i = 0; i < log.Count; i++)
            {
                ref var r = ref log.At(i);
                if (!r.Lost || r.Sacked || !r.Retransmitted || r.SentAt < _loss.TimeoutAt || r.Start >= _snd.Nxt || r.Start < _snd.Una)
                    continue;
                SeqNumber start = r.Start;
                SeqNumber end = SeqNumber.Min(SeqNumber.Min(r.End, _snd.Nxt), start + Math.Min(_snd.Mss, payloadBuffer.Length));
                SeqNumber finSeq = _snd.BufferSeq + _snd.Buffer!.Count;
                int len = Math.Max(0, SeqNumber.Min(end, finSeq) - start);
                bool fin = _finQueued && finSeq < _snd.Max && end > finSeq && start + len == finSeq;
                if (len == 0 && !fin)
                    continue;
                Trace?.Trace(this, $"RACK: lost retransmission at {start} resent");
                segment = BuildData(now, start, len, fin, payloadBuffer); // re-stamps the record: r is not used after this
                return true;
            }
        }
        _loss.RackRepairPending = false;
        return false;
    }

    /// <summary>
    /// RFC 8985 §7.4: once an ACK reaches the probe's TLP.end_seq, decide whether the probe repaired a loss. A new-data probe,
    /// or a retransmitted one the receiver reports as a duplicate (D-SACK), or a pure duplicate ACK (the original and the probe
    /// both arrived) end the episode quietly; an ACK beyond it without that D-SACK means the probe was the only copy to
    /// arrive: a loss was repaired, and the controller reduces as for a recovery (Linux: a CWR-state reduction).
    /// </summary>
    private void TlpOnAck(in TcpRepr segment, SeqNumber ack, bool unaAdvanced, int payloadLength)
    {
        if (!_loss.TlpEpisode || ack < _loss.TlpEndSeq)
            return;
        var blocks = segment.SackBlocks;
        bool probeDsacked = blocks.Count > 0 && blocks[0].Left < ack && blocks[0].Left < _loss.TlpEndSeq && blocks[0].Right >= _loss.TlpEndSeq;
        if (!_loss.TlpIsRetransmission || probeDsacked)
        {
            _loss.TlpEpisode = false;
            return;
        }
        if (ack > _loss.TlpEndSeq)
        {
            _loss.TlpEpisode = false;
            _loss.TlpRecoveries++;
            int flight = _snd.Max - _snd.Una;
            _congestion.OnLossDetected(_snd.Mss, flight);
            if (!_congestion.InRecovery)
            {
                _congestion.OnRecoveryStart(flight);
                _congestion.OnRecoveryEnd(Math.Max(flight, _congestion.SlowStartThreshold));
            }
            Trace?.Trace(this, "tail loss probe repaired a loss: window reduced");
            return;
        }
        if (!unaAdvanced && payloadLength == 0 && blocks.Count == 0)
            _loss.TlpEpisode = false;
    }
}
