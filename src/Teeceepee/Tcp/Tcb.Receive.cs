using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

public sealed partial class Tcb
{
    /// <summary>Processes one arriving segment (RFC 9293 §3.10.7, "SEGMENT ARRIVES").</summary>
    public void Process(Instant now, in TcpRepr segment, ReadOnlySpan<byte> payload)
    {
        _segmentsReceived++;
        if (payload.Length > segment.PayloadLength && segment.PayloadLength >= 0)
            payload = payload[..segment.PayloadLength];
        bool synchronized = State >= TcpState.SynReceived;
        SeqNumber? ack = segment.AckNumber;
        TcpDropReason unacceptable = TcpDropReason.None;
        switch ((State, segment.Control))
        {
            case (TcpState.Closed, _):
                // §3.10.7.1: a CLOSED TCB has no connection; the host answers closed ports.
                Drop(TcpDropReason.Closed);
                return;

            case (TcpState.SynSent, _) when ack is { } a && !(a > _snd.Iss && a <= _snd.Max):
                // §3.10.7.3 first: unacceptable ACK → <SEQ=SEG.ACK><CTL=RST> (unless it is a RST).
                if (segment.Control != TcpControl.Rst)
                    QueueReset(a, null, RemotePort);
                Drop(TcpDropReason.SynSentUnacceptableAck);
                return;

            case (TcpState.SynSent, TcpControl.Rst):
                // §3.10.7.3 second: a RST with an acceptable ACK refuses the connection (RFC 5961 §3.2); without ACK drop.
                if (ack is not null)
                    Fail(TcpError.ConnectionRefused);
                else
                    Drop(TcpDropReason.SynSentResetWithoutAck);
                return;

            case (TcpState.SynSent, TcpControl.Syn) when ack is not null:
                // §3.10.7.3 fourth: SYN-ACK acknowledging our SYN → ESTABLISHED, send <ACK>.
                OnSynAck(now, segment);
                return;

            case (TcpState.SynSent, TcpControl.Syn):
                // §3.10.7.3 fourth: a bare SYN is a simultaneous open → SYN-RECEIVED, resend our SYN as SYN-ACK.
                OnSimultaneousSyn(segment);
                return;

            case (TcpState.SynSent, _):
                // §3.10.7.3 fifth: neither SYN nor RST: drop.
                Drop(TcpDropReason.SynSentNoSyn);
                return;

            case (TcpState.SynReceived, TcpControl.Syn) when ack is null && segment.SeqNumber == _rcv.Irs:
                // §3.10.7.4 / RFC 9293 §3.5: the peer retransmitted its SYN, so our SYN-ACK was lost: resend it,
                // echoing the newest timestamp so the peer's first RTT sample is not the whole SYN backoff.
                if (_snd.Una == _snd.Iss)
                    _snd.Nxt = _snd.Iss;
                if (_timestamps && segment.Timestamp is { } synTs && unchecked((int)(synTs.Value - _tsRecent)) >= 0)
                    _tsRecent = synTs.Value;
                return;

            case (TcpState.SynReceived, TcpControl.Syn) when ack is { } sa && segment.SeqNumber == _rcv.Irs && sa > _snd.Una && sa <= _snd.Max:
                // §3.5 figure 8, simultaneous open: the peer's SYN-ACK acknowledges our SYN → ESTABLISHED, send <ACK>.
                OnHandshakeAck(now, segment);
                _ackNow = true;
                return;

            case (_, _) when synchronized && (unacceptable = CheckAcceptable(segment, payload.Length)) != TcpDropReason.None:
                // §3.10.7.4 first (with RFC 7323 §5.3 PAWS): unacceptable → <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> unless RST
                // (rate limited for segments without data).
                if (segment.Control != TcpControl.Rst)
                    AnswerUnacceptable(now, segment, payload.Length);
                if (State == TcpState.TimeWait && segment.Control == TcpControl.Fin)
                    ArmTimeWait(now); // §3.10.7.4 eighth: a retransmitted FIN restarts the 2×MSL wait
                Drop(unacceptable);
                return;

            case (TcpState.SynReceived, TcpControl.Rst) when segment.SeqNumber == _rcv.Nxt:
                // §3.10.7.4 second: passive open → back to LISTEN; active (simultaneous) open → refused.
                if (_passiveOpen)
                    ReturnToListen();
                else
                    Fail(TcpError.ConnectionRefused);
                return;

            case (TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait, TcpControl.Rst)
                when segment.SeqNumber == _rcv.Nxt:
                // §3.10.7.4 second, RFC 5961 §3.2: an exactly matching RST resets the connection.
                Fail(TcpError.ConnectionReset);
                return;

            case (TcpState.Closing or TcpState.LastAck or TcpState.TimeWait, TcpControl.Rst) when segment.SeqNumber == _rcv.Nxt:
                // §3.10.7.4 second: in CLOSING, LAST-ACK and TIME-WAIT a RST just closes.
                ClearAll();
                SetState(TcpState.Closed);
                return;

            case (_, TcpControl.Rst):
                // RFC 5961 §3.2: a RST inside the window but not at RCV.NXT gets a challenge ACK.
                SendChallengeAck(now);
                Drop(TcpDropReason.ResetNotAtReceiveNext);
                return;

            case (_, TcpControl.Syn):
                // §3.10.7.4 fourth, RFC 5961 §4: a SYN in a synchronized state gets a challenge ACK.
                SendChallengeAck(now);
                Drop(TcpDropReason.SynInSynchronizedState);
                return;

            case (_, _) when ack is null:
                // §3.10.7.4 fifth: a segment without ACK is dropped.
                Drop(TcpDropReason.NoAck);
                return;

            case (TcpState.SynReceived, _):
                // §3.10.7.4 fifth, SYN-RECEIVED: SND.UNA < SEG.ACK <= SND.NXT → ESTABLISHED; else <SEQ=SEG.ACK><CTL=RST>.
                if (!(ack!.Value > _snd.Una && ack.Value <= _snd.Max))
                {
                    QueueReset(ack.Value, null, RemotePort);
                    Drop(TcpDropReason.SynReceivedUnacceptableAck);
                    return;
                }
                OnHandshakeAck(now, segment);
                ProcessSynchronized(now, segment, payload);
                return;

            default:
                // §3.10.7.4 fifth to eighth: ACK, text and FIN of a synchronized connection.
                ProcessSynchronized(now, segment, payload);
                return;
        }
    }

    /// <summary>Every dropped segment goes through here: counted per connection and by reason for the stack, and traced.</summary>
    private void Drop(TcpDropReason reason)
    {
        _segmentsDropped++;
        if (DropCounters is { } counters)
            counters[(byte)reason]++;
        Trace?.Trace(this, $"drop: {reason}");
    }

    /// <summary>RFC 9293 §3.10.7.4 first check (four cases) and PAWS (RFC 7323 §5.3): why the segment is unacceptable, or None.</summary>
    private TcpDropReason CheckAcceptable(in TcpRepr segment, int payloadLength)
    {
        // RFC 7323 §5.3 R1: a timestamp older than TS.Recent marks an old duplicate (not for RST).
        if (_timestamps && _tsRecentValid && segment.Control != TcpControl.Rst && segment.Timestamp is { } ts
            && unchecked((int)(ts.Value - _tsRecent)) < 0)
        {
            return TcpDropReason.Paws;
        }
        int length = payloadLength + (segment.Control is TcpControl.Syn or TcpControl.Fin ? 1 : 0);
        long window = ReceiveWindowForAcceptance();
        SeqNumber seq = segment.SeqNumber;
        bool acceptable;
        if (length == 0)
            acceptable = window == 0 ? seq == _rcv.Nxt : seq.InWindow(_rcv.Nxt, (uint)window);
        else if (window == 0)
            acceptable = seq == _rcv.Nxt; // §3.10.7.4: a zero-window probe's ACK and RST count; its text is trimmed later
        else
            acceptable = seq.InWindow(_rcv.Nxt, (uint)window) || (seq + (length - 1)).InWindow(_rcv.Nxt, (uint)window);
        return acceptable ? TcpDropReason.None : TcpDropReason.OutOfWindow;
    }

    private long ReceiveWindowForAcceptance()
    {
        // Whatever we advertised, plus anything the buffer can take now (accepting more than advertised is safe).
        long advertised = Math.Max(0, _rcv.AdvertisedEdge - _rcv.Nxt);
        long free = _rcv.Buffer is null || _receiveClosed && State >= TcpState.FinWait1 ? advertised : _rcv.Buffer.Window;
        return Math.Max(advertised, free);
    }

    /// <summary>RFC 7323 §4.3: remember the peer's timestamp when the segment covers Last.ACK.sent.</summary>
    private void UpdateTsRecent(in TcpRepr segment)
    {
        if (_timestamps && segment.Timestamp is { } ts && segment.SeqNumber <= _rcv.LastAckSent
            && (!_tsRecentValid || unchecked((int)(ts.Value - _tsRecent)) >= 0))
        {
            _tsRecent = ts.Value;
            _tsRecentValid = true;
        }
    }

    /// <summary>Steps five to eight of §3.10.7.4 for a segment that passed the sequence check.</summary>
    private void ProcessSynchronized(Instant now, in TcpRepr segment, ReadOnlySpan<byte> payload)
    {
        // Only acceptable segments prove the peer alive (RFC 1122 §4.2.3.6): a blind one cannot hold a dead connection open.
        _timers.LastReceivedAt = now;
        _timers.KeepAliveProbes = 0;
        UpdateTsRecent(segment);
        OnEcnArrival(segment);

        if (!ProcessAck(now, segment, payload.Length))
            return;
        if (State == TcpState.Closed)
            return;
        OnEcnEchoArrival(segment);
        OnAckForPathMtu();

        ProcessText(now, segment, payload);
        if (State == TcpState.Closed)
            return;
        ProcessFin(now, segment, payload.Length);
    }

    /// <summary>§3.10.7.4 seventh: segment text into the receive buffer; ACK policy (RFC 5681 §4.2, RFC 1122 §4.2.3.2).</summary>
    private void ProcessText(Instant now, in TcpRepr segment, ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
            return;
        if (State is not (TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2))
        {
            // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer already sent its FIN; ignore text.
            return;
        }
        int skip = _rcv.Nxt - segment.SeqNumber;
        if (skip >= payload.Length)
        {
            // Entirely old data: a retransmission whose ACK was lost; ACK at once, reporting it (RFC 2883 §4.1.1).
            NoteDuplicate(segment.SeqNumber, payload.Length);
            _ackNow = true;
            return;
        }
        if (skip > 0)
            NoteDuplicate(segment.SeqNumber, skip); // the part below RCV.NXT arrived before (RFC 2883 §4.1.1)
        else if (_rcv.Buffer is { HasOutOfOrderData: true } held && held.HoldsOutOfOrder(-skip, payload.Length))
            NoteDuplicate(segment.SeqNumber, payload.Length); // already held out of order (RFC 2883 §4.1.2)
        if (_receiveClosed)
        {
            // New data after the application closed: nobody will read it. Reset like Linux (RFC 2525 §2.17).
            QueueReset(_snd.Max, _rcv.Nxt, RemotePort);
            ClearAll();
            SetState(TcpState.Closed);
            return;
        }
        if (_rcv.Buffer is null)
            return;
        int offset = 0;
        if (skip > 0)
            payload = payload[skip..];
        else
            offset = -skip;
        // Trim to what the buffer can hold (§3.10.7.4: "trim to the window").
        int room = _rcv.Buffer.Window - offset;
        if (room <= 0)
        {
            _ackNow = true;
            return;
        }
        if (payload.Length > room)
            payload = payload[..room];

        bool hadHoles = _rcv.Buffer.HasOutOfOrderData;
        int segmentLength = payload.Length;
        AutoTuneOnSegment(now, segment, segmentLength); // receive-window autotuning (Tcb.ReceiveWindow.cs)
        // Seventh step: in-order text goes straight to a waiting user RECEIVE when nothing is held before it.
        int direct = offset == 0 && _rcv.Buffer.IsEmpty && Receiver is { } receiver ? receiver.TakeText(this, payload) : 0;
        if (direct > 0)
        {
            _rcv.Buffer.Bypass(direct);
            BytesReceivedDirect += direct;
            payload = payload[direct..];
        }
        bool dropped = false;
        int contiguous = payload.IsEmpty ? 0 : _rcv.Buffer.Write(offset, payload, out dropped);
        if (dropped)
            Drop(TcpDropReason.OutOfOrderQueueFull); // the ACK part counted; a duplicate ACK still goes below
        if (segmentLength > _rcv.Mss && segmentLength <= 65535)
            _rcv.Mss = segmentLength;
        if (contiguous + direct > 0)
        {
            _rcv.Nxt += contiguous + direct;
            _bytesReceived += contiguous + direct;
            AutoTuneOnInOrderData(now);
            if (_rcv.FinPending && _rcv.Nxt == _rcv.FinSeq)
                ConsumeFin(now);
            if (contiguous > 0)
                Observer?.OnReadable(this);
        }

        if (offset > 0 || hadHoles)
        {
            // RFC 5681 §4.2: out-of-order data, or data filling a hole, is acknowledged at once (with SACK);
            // one duplicate ACK per out-of-order segment even when a batch arrives in one poll (bounded).
            _ackNow = true;
            if (offset > 0 && _dupAcksToSend < MaxQueuedDuplicateAcks)
                _dupAcksToSend++;
            return;
        }
        _bytesSinceAck += segmentLength;
        if (segmentLength >= _rcv.Mss)
            _fullSegmentsSinceAck++;
        // RFC 1122 §4.2.3.2 / RFC 5681 §4.2: ACK at least every second full-sized segment, else within the timer.
        if (_config.DelayedAckTimeout == TimeSpan.Zero || _fullSegmentsSinceAck >= 2 || _bytesSinceAck >= 2 * _rcv.Mss)
            _ackNow = true;
        else if (_timers.DelayedAckAt == Instant.MaxValue)
            _timers.DelayedAckAt = now + _config.DelayedAckTimeout;
    }

    /// <summary>§3.10.7.4 eighth: the FIN bit.</summary>
    private void ProcessFin(Instant now, in TcpRepr segment, int payloadLength)
    {
        if (segment.Control != TcpControl.Fin || _rcv.FinReceived)
        {
            if (segment.Control == TcpControl.Fin && State == TcpState.TimeWait)
            {
                _ackNow = true;
                ArmTimeWait(now);
            }
            return;
        }
        SeqNumber finSeq = segment.SeqNumber + payloadLength;
        // A FIN beyond what the buffer could take was trimmed away with the text.
        if (_rcv.Buffer is not null && finSeq - _rcv.Nxt > _rcv.Buffer.Window)
            return;
        if (finSeq == _rcv.Nxt)
        {
            ConsumeFin(now);
        }
        else if (finSeq > _rcv.Nxt)
        {
            // FIN beyond a hole: remember it until the hole fills.
            _rcv.FinPending = true;
            _rcv.FinSeq = finSeq;
            _ackNow = true;
        }
    }

    private void ConsumeFin(Instant now)
    {
        _rcv.FinPending = false;
        _rcv.FinReceived = true;
        _rcv.Nxt += 1;
        _rcv.AdvertisedEdge += 1; // the FIN takes sequence space but no buffer space
        _ackNow = true;
        Observer?.OnReadable(this);
        switch (State)
        {
            case TcpState.SynReceived:
            case TcpState.Established:
                // §3.10.7.4 eighth: ESTABLISHED → CLOSE-WAIT.
                SetState(TcpState.CloseWait);
                break;
            case TcpState.FinWait1 when _finAcked:
                // FIN-WAIT-1 with our FIN acknowledged → TIME-WAIT.
                SetState(TcpState.TimeWait);
                ArmTimeWait(now);
                break;
            case TcpState.FinWait1:
                // FIN-WAIT-1, our FIN not yet acknowledged: simultaneous close → CLOSING.
                SetState(TcpState.Closing);
                break;
            case TcpState.FinWait2:
                // FIN-WAIT-2 → TIME-WAIT.
                SetState(TcpState.TimeWait);
                ArmTimeWait(now);
                break;
            case TcpState.TimeWait:
                // TIME-WAIT: restart the 2×MSL timeout.
                ArmTimeWait(now);
                break;
        }
    }
}
