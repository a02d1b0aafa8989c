using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// Duplicate SACK and undo: D-SACK generation (RFC 2883 §4: the first SACK block reports a duplicate segment) and use
/// (RFC 3708: when every retransmission of an episode is reported duplicate, the episode was spurious), Eifel
/// detection of spurious timeouts with timestamps (RFC 3522), the response (RFC 4015: the controller restores cwnd and
/// ssthresh, and a timeout's go-back-N stops), and the adaptive RACK reordering window (RFC 8985 §6.2).
/// </summary>
public sealed partial class Tcb
{
    /// <summary>RFC 8985 §6.2: reo_wnd_persist, the recoveries after which a grown window shrinks back.</summary>
    private const int ReorderWindowPersist = 16;

    /// <summary>D-SACK blocks received (RFC 2883).</summary>
    public long DsacksReceived => _loss.DsacksReceived;

    /// <summary>Loss recoveries and timeouts found spurious and undone (RFC 3708, RFC 3522; response RFC 4015).</summary>
    public long SpuriousRecoveries => _loss.SpuriousRecoveries;

    /// <summary>RFC 8985 §6.2 reo_wnd_mult: the reordering window in quarters of the minimum RTT.</summary>
    public int ReorderWindowMultiplier => _loss.ReorderWindowMultiplier;

    /// <summary>RFC 2883 §4: a duplicate of [seq, seq + length) arrived; the next ACK reports it in its first SACK block.</summary>
    private void NoteDuplicate(SeqNumber seq, int length)
    {
        if (!_sack || length <= 0)
            return;
        _rcv.DsackPending = true;
        _rcv.DsackStart = seq;
        _rcv.DsackEnd = seq + length;
    }

    /// <summary>
    /// A loss episode (fast recovery or the first timeout) begins: from here retransmitted octets count, and D-SACKs for
    /// them count down (Linux undo_marker / undo_retrans); the first timeout also arms Eifel (RFC 3522 §3.2).
    /// </summary>
    private void ArmUndo(bool timeout)
    {
        if (!timeout || _timers.Retries == 1 || !_loss.UndoArmed)
        {
            _loss.UndoArmed = true;
            _loss.UndoMarker = _snd.Una;
            _loss.UndoRetransmitted = 0;
        }
        if (timeout && _timestamps && _timers.Retries == 1)
        {
            _loss.EifelArmed = true;
            _loss.EifelTsSet = false;
        }
        if (--_loss.ReorderWindowPersistLeft <= 0)
        {
            _loss.ReorderWindowMultiplier = 1; // RFC 8985 §6.2 step 4: reset after reo_wnd_persist recoveries
            _loss.ReorderWindowPersistLeft = ReorderWindowPersist;
        }
    }

    /// <summary>A retransmission of [seq, end) leaves (counted for undo; Eifel's TSval is that of the first one).</summary>
    private void NoteRetransmissionForUndo(Instant now, SeqNumber seq, SeqNumber end)
    {
        if (_loss.UndoArmed)
            _loss.UndoRetransmitted += end - seq;
        if (_loss.EifelArmed && !_loss.EifelTsSet)
        {
            _loss.EifelTs = TsNow(now);
            _loss.EifelTsSet = true;
        }
    }

    /// <summary>
    /// RFC 2883 §4.2 at the sender: the first block is a D-SACK when it lies below the cumulative ACK or inside the second
    /// block. Each D-SACK of retransmitted octets in this episode counts down (RFC 3708 §3); none left means every
    /// retransmission was needless: undo. A D-SACK also widens RACK's reordering window (RFC 8985 §6.2 step 4).
    /// </summary>
    private void ProcessDsack(Instant now, in TcpRepr segment)
    {
        var blocks = segment.SackBlocks;
        if (blocks.Count == 0)
            return;
        var first = blocks[0];
        SeqNumber ack = segment.AckNumber!.Value;
        bool dsack = first.Left < ack || (blocks.Count > 1 && first.Left >= blocks[1].Left && first.Right <= blocks[1].Right);
        if (!dsack || first.Right <= first.Left)
            return;
        _loss.DsacksReceived++;
        if (now >= _loss.DsackRoundEnd)
        {
            // RFC 8985 §6.2 step 4: at most one increment per round trip, the window capped by SRTT in ReorderWindow.
            _loss.ReorderWindowMultiplier = Math.Min(_loss.ReorderWindowMultiplier + 1, 64);
            _loss.ReorderWindowPersistLeft = ReorderWindowPersist;
            _loss.DsackRoundEnd = now + TimeSpan.FromTicks(Math.Max((_rtt.SmoothedRtt ?? TimeSpan.Zero).Ticks, TimeSpan.TicksPerMillisecond));
        }
        if (!_loss.UndoArmed || _loss.UndoRetransmitted <= 0 || first.Right <= _loss.UndoMarker)
            return;
        SeqNumber left = SeqNumber.Max(first.Left, _loss.UndoMarker);
        _loss.UndoRetransmitted -= first.Right - left;
        if (_loss.UndoRetransmitted <= 0)
            Undo(now, "D-SACK: every retransmission was a duplicate (RFC 3708)");
    }

    /// <summary>
    /// RFC 3522 §3.2: the first ACK of new data after a timeout echoes a TSval older than the first retransmission's, so it
    /// acknowledges the original: the timeout was spurious.
    /// </summary>
    private void CheckEifel(Instant now, in TcpRepr segment)
    {
        if (!_loss.EifelArmed)
            return;
        _loss.EifelArmed = false;
        if (_loss.EifelTsSet && segment.Timestamp is { EchoReply: not 0 } ts && unchecked((int)(ts.EchoReply - _loss.EifelTs)) < 0)
            Undo(now, "Eifel: the ACK echoes the original transmission (RFC 3522)");
    }

    /// <summary>RFC 4015 §3 response: the controller restores cwnd and ssthresh; recovery and any go-back-N end.</summary>
    private void Undo(Instant now, string why)
    {
        _loss.UndoArmed = false;
        _loss.EifelArmed = false;
        _loss.SpuriousRecoveries++;
        _congestion.OnSpuriousRecovery();
        if (_loss.SackRecovery)
            ExitSackRecovery(forgetRetransmissions: true); // the episode was spurious: its resends are duplicates
        _loss.DupAcks = 0;
        _loss.FastRetransmitPending = false;
        _loss.Recover = _snd.Una; // a later loss may start a new recovery at once (RFC 6582's guard was for this episode)
        // RFC 4015 §4: after a spurious timeout resume with new data, not by resending what the peer already has.
        if (_snd.Nxt < _snd.Max)
            _snd.Nxt = _snd.Max;
        _forceOne = false;
        _timers.Retries = 0;
        _loss.FrtoStep = 0;
        _loss.RackRepairPending = false;
        _loss.Rack.ClearLost(); // RFC 4015: what is still out was delayed, not lost
        Trace?.Trace(this, $"spurious recovery undone: {why}");
    }
}
