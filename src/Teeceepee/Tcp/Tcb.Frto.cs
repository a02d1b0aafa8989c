using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// F-RTO (RFC 5682 §3.1, the SACK-enhanced algorithm; it serves peers without SACK as well) detects spurious timeouts
/// when timestamps are off (with them, Eifel in Tcb.Undo.cs does). After the timeout's first retransmission, the first
/// ACK that advances the window releases up to two new segments instead of more go-back-N (step 2b). If the next ACK
/// acknowledges data that was never retransmitted, the originals were only delayed: the timeout was spurious and the
/// RFC 4015 response undoes it (step 3b). A duplicate ACK instead proves the loss, and the go-back-N resumes (step 3a).
/// </summary>
public sealed partial class Tcb
{
    /// <summary>Retransmission timeouts F-RTO found spurious (RFC 5682) and undid (RFC 4015).</summary>
    public long FrtoSpuriousTimeouts => _loss.FrtoSpurious;

    /// <summary>
    /// Step 1, at a timeout: F-RTO watches the first timeout of an episode that did not interrupt a fast recovery
    /// (RFC 5682 §3: not for repeated timeouts), when there are no timestamps for Eifel.
    /// </summary>
    private void ArmFrto(bool duringRecovery)
    {
        bool use = !_timestamps && !duringRecovery && _timers.Retries == 1 && _snd.Window != 0 && State >= TcpState.Established;
        _loss.FrtoStep = use ? 1 : 0;
        _loss.FrtoRetransmittedTo = _snd.Una;
    }

    /// <summary>Original data (below the recovery point) the scoreboard holds as SACKed: news of it in step 3 means delay, not loss.</summary>
    private long FrtoSackedOriginals() =>
        _loss.FrtoStep == 0 || _loss.Scoreboard is not { Count: > 0 } sb ? 0 : sb.SackedBytesBetween(_snd.Una, _loss.Recover);

    /// <summary>Steps 2 and 3 on an ACK after the timeout (after SND.UNA and the scoreboard moved).</summary>
    private void FrtoOnAck(Instant now, SeqNumber ack, SeqNumber unaBefore, bool duplicate, long sackedOriginalsBefore)
    {
        if (_loss.FrtoStep == 0)
            return;
        bool originalsAcked = ack > _loss.FrtoRetransmittedTo && ack < _loss.Recover;
        if (_loss.FrtoStep == 1)
        {
            if (ack <= unaBefore)
            {
                if (duplicate)
                    _loss.FrtoStep = 0; // 2a: a duplicate ACK: the loss is real; the go-back-N goes on
                return;                 // a window update or data only: not an answer yet
            }
            if (ack >= _loss.Recover)
            {
                _loss.FrtoStep = 0; // 2a: everything acknowledged at once: no verdict (the retransmission may have filled the hole)
                return;
            }
            if (originalsAcked)
            {
                FrtoSpurious(now); // data never retransmitted arrived already (Linux decides here too, before step 3)
                return;
            }
            if (!NewDataSendable())
            {
                _loss.FrtoStep = 0; // 2b: nothing new may go: conventional recovery
                return;
            }
            // 2b: up to two new segments instead of resending old ones (UsableWindow lets them past cwnd).
            _loss.FrtoStep = 2;
            _loss.FrtoNewDataFrom = _snd.Max;
            _snd.Nxt = _snd.Max;
            RequestPoll();
            return;
        }
        // Step 3: the ACK after the new data.
        if ((ack > unaBefore && ack > _loss.FrtoRetransmittedTo) || FrtoSackedOriginals() > sackedOriginalsBefore)
        {
            FrtoSpurious(now); // 3b: never-retransmitted data arrived: the originals were delayed, not lost
            return;
        }
        if (ack <= unaBefore && duplicate)
        {
            // 3a: the window did not advance (at most the new segments were SACKed): the timeout was genuine; resume
            // the go-back-N from SND.UNA in slow start.
            _loss.FrtoStep = 0;
            _snd.Nxt = _snd.Una;
            _loss.HighRxt = _snd.Una;
            RequestPoll();
        }
    }

    private void FrtoSpurious(Instant now)
    {
        _loss.FrtoStep = 0;
        _loss.FrtoSpurious++;
        Undo(now, "F-RTO: the ACK after the timeout acknowledges data never retransmitted (RFC 5682)");
    }
}
