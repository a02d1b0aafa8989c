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

            case (TcpState.Listen, TcpControl.Rst):
                // §3.10.7.2 first: an incoming RST is ignored.
                Drop(TcpDropReason.ResetToListener);
                return;

            case (TcpState.Listen, _) when ack is { } listenAck:
                // §3.10.7.2 second: any ACK to a listener is bad: <SEQ=SEG.ACK><CTL=RST>.
                QueueReset(listenAck, null, segment.SourcePort);
                return;

            case (TcpState.Listen, TcpControl.Syn):
                // §3.10.7.2 third: SYN → SYN-RECEIVED, answer with <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
                AcceptSyn(now, segment, _listenIss);
                return;

            case (TcpState.Listen, _):
                // §3.10.7.2 fourth: anything else is dropped.
                Drop(TcpDropReason.NoSynToListener);
                return;

            case (TcpState.SynSent, _) when ack is { } a && !(a > _iss && a <= _sndMax):
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

            case (TcpState.SynReceived, TcpControl.Syn) when ack is null && segment.SeqNumber == _irs:
                // §3.10.7.4 / RFC 9293 §3.5: the peer retransmitted its SYN, so our SYN-ACK was lost: resend it,
                // echoing the newest timestamp so the peer's first RTT sample is not the whole SYN backoff.
                if (_sndUna == _iss)
                    _sndNxt = _iss;
                if (_timestamps && segment.Timestamp is { } synTs && unchecked((int)(synTs.Value - _tsRecent)) >= 0)
                    _tsRecent = synTs.Value;
                return;

            case (TcpState.SynReceived, TcpControl.Syn) when ack is { } sa && segment.SeqNumber == _irs && sa > _sndUna && sa <= _sndMax:
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

            case (TcpState.SynReceived, TcpControl.Rst) when segment.SeqNumber == _rcvNxt:
                // §3.10.7.4 second: passive open → back to LISTEN; active (simultaneous) open → refused.
                if (_passiveOpen)
                    ReturnToListen();
                else
                    Fail(TcpError.ConnectionRefused);
                return;

            case (TcpState.Established or TcpState.FinWait1 or TcpState.FinWait2 or TcpState.CloseWait, TcpControl.Rst)
                when segment.SeqNumber == _rcvNxt:
                // §3.10.7.4 second, RFC 5961 §3.2: an exactly matching RST resets the connection.
                Fail(TcpError.ConnectionReset);
                return;

            case (TcpState.Closing or TcpState.LastAck or TcpState.TimeWait, TcpControl.Rst) when segment.SeqNumber == _rcvNxt:
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
                if (!(ack!.Value > _sndUna && ack.Value <= _sndMax))
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

    private void OnSynAck(Instant now, in TcpRepr segment)
    {
        OnPeerSyn(segment, segment.SeqNumber, segment.WindowLength, segment.SeqNumber, segment.AckNumber!.Value);
        AcknowledgeSyn(now, segment);
        _ackNow = true;
        SetState(TcpState.Established);
        if (_finQueued)
            SetState(TcpState.FinWait1);
        _lastReceivedAt = now;
        Observer?.OnWritable(this);
    }

    private void OnSimultaneousSyn(in TcpRepr segment)
    {
        OnPeerSyn(segment, segment.SeqNumber, segment.WindowLength, segment.SeqNumber, _iss);
        // Resend our SYN, now as SYN-ACK (§3.10.7.3 fourth, "otherwise" branch).
        _sndNxt = _iss;
        SetState(TcpState.SynReceived);
    }

    private void OnHandshakeAck(Instant now, in TcpRepr segment)
    {
        AcknowledgeSyn(now, segment);
        _sndWnd = (long)segment.WindowLength << _sndShift;
        _maxSndWnd = Math.Max(_maxSndWnd, _sndWnd);
        _sndWl1 = segment.SeqNumber;
        _sndWl2 = segment.AckNumber!.Value;
        SetState(TcpState.Established);
        if (_finQueued)
            SetState(TcpState.FinWait1);
        _lastReceivedAt = now;
        Observer?.OnWritable(this);
    }

    /// <summary>Our SYN is acknowledged: SND.UNA moves past ISS; RTT sample unless the SYN was retransmitted (Karn).</summary>
    private void AcknowledgeSyn(Instant now, in TcpRepr segment)
    {
        SeqNumber ack = segment.AckNumber!.Value;
        var rtt = TakeRttSample(now, segment, ack);
        // Data acknowledged together with the SYN (rare) is handled by the ACK step.
        _sndUna = _iss + 1;
        if (_sndNxt < _sndUna)
            _sndNxt = _sndUna;
        _retries = 0;
        _rtoAt = _sndMax > _sndUna ? now + _rtt.Rto : Instant.MaxValue;
        _congestion.SetMss(_sendMss);
        // The handshake's RTT reaches the controller too (a BBR min_rtt); the SYN octet is no data delivered.
        if (rtt is not null)
            _congestion.OnAck(new TcpAckEvent { Now = now, RttSample = rtt });
    }

    private void ReturnToListen()
    {
        ClearAll();
        if (_fromListen)
        {
            // §3.10.7.4 second: "return this connection to the LISTEN state".
            _receiveBuffer?.Release();
            _sendBuffer?.Release();
            _passiveOpen = false;
            _peerFinReceived = false;
            _finQueued = false;
            SetState(TcpState.Listen);
        }
        else
        {
            SetState(TcpState.Closed);
        }
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
            acceptable = window == 0 ? seq == _rcvNxt : seq.InWindow(_rcvNxt, (uint)window);
        else if (window == 0)
            acceptable = seq == _rcvNxt; // §3.10.7.4: a zero-window probe's ACK and RST count; its text is trimmed later
        else
            acceptable = seq.InWindow(_rcvNxt, (uint)window) || (seq + (length - 1)).InWindow(_rcvNxt, (uint)window);
        return acceptable ? TcpDropReason.None : TcpDropReason.OutOfWindow;
    }

    private long ReceiveWindowForAcceptance()
    {
        // Whatever we advertised, plus anything the buffer can take now (accepting more than advertised is safe).
        long advertised = Math.Max(0, _rcvAdvertisedEdge - _rcvNxt);
        long free = _receiveBuffer is null || _receiveClosed && State >= TcpState.FinWait1 ? advertised : _receiveBuffer.Window;
        return Math.Max(advertised, free);
    }

    /// <summary>RFC 7323 §4.3: remember the peer's timestamp when the segment covers Last.ACK.sent.</summary>
    private void UpdateTsRecent(in TcpRepr segment)
    {
        if (_timestamps && segment.Timestamp is { } ts && segment.SeqNumber <= _lastAckSent
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
        _lastReceivedAt = now;
        _keepAliveProbes = 0;
        UpdateTsRecent(segment);

        if (!ProcessAck(now, segment, payload.Length))
            return;
        if (State == TcpState.Closed)
            return;

        ProcessText(now, segment, payload);
        if (State == TcpState.Closed)
            return;
        ProcessFin(now, segment, payload.Length);
    }

    /// <summary>§3.10.7.4 fifth: the ACK field. Returns false when the segment must be dropped.</summary>
    private bool ProcessAck(Instant now, in TcpRepr segment, int payloadLength)
    {
        SeqNumber ack = segment.AckNumber!.Value;
        if (ack > _sndMax)
        {
            // §3.10.7.4 fifth: an ACK for data never sent: send an ACK and drop (RFC 5961 §5.2: rate limited).
            SendChallengeAck(now);
            Drop(TcpDropReason.AckOfUnsentData);
            return false;
        }
        if (ack < _sndUna - (int)Math.Min(_maxSndWnd, int.MaxValue))
        {
            // RFC 5961 §5.2: an ACK older than SND.UNA - MAX.SND.WND is a blind injection attempt.
            SendChallengeAck(now);
            Drop(TcpDropReason.AckTooOld);
            return false;
        }

        long newWindow = (long)segment.WindowLength << _sndShift;
        SeqNumber unaBefore = _sndUna;
        long sackedBefore = _scoreboard?.SackedBytes ?? 0;
        bool sackProgress = _sack && segment.SackBlocks.Count > 0 && NoteSackBlocks(segment.SackBlocks);
        if (ack > _sndUna)
        {
            OnNewAck(now, segment, ack, sackedBefore);
            if (!_congestion.InRecovery && _sack && _sndUna >= _recover && _sndMax > _sndUna
                && _scoreboard is { Count: > 0 } && _scoreboard.IsLost(_sndUna, DupThresh, _sendMss))
            {
                // The ACK moved SND.UNA but the SACKs above it already mark the next hole lost (RFC 6675 §4 IsLost):
                // recover now rather than wait for duplicates that may never come.
                EnterRecovery();
            }
        }
        else if (ack == _sndUna && _sndMax > _sndUna
            && ((payloadLength == 0 && segment.Control == TcpControl.None && newWindow == _sndWnd && _sndWnd != 0) || sackProgress))
        {
            // RFC 5681 §2: a duplicate ACK. With SACK (RFC 6675 §5's spirit), an ACK that SACKs new data
            // counts too even when it carries data, so a two-way transfer still detects loss without a timeout.
            long delivered = (_scoreboard?.SackedBytes ?? 0) - sackedBefore;
            var rate = _rate.OnAck(now, delivered, _sndUna, HighestDelivered(ack), out bool roundStart);
            _congestion.OnAck(new TcpAckEvent
            {
                Now = now,
                BytesDelivered = delivered,
                BytesInFlight = _sndMax - _sndUna,
                IsDuplicate = true,
                Rate = rate,
                RoundStart = roundStart,
            });
            OnDuplicateAck(sackProgress);
        }
        if (_sackRecovery)
            OnSackRecoveryAck((_sndUna - unaBefore) + ((_scoreboard?.SackedBytes ?? 0) - sackedBefore));
        if (sackProgress)
        {
            ArmReorderTimer(now);
            if (_sackRecovery)
                _ptoRearm = true; // in recovery SACKs show the flight is answering: the probe timer starts again
        }
        if (ack > unaBefore)
        {
            _tlpPending = false;
            _tlpOutstanding = false;
            _ptoRearm = true;
        }

        // §3.10.7.4 fifth: update the send window from the newest segment (SND.WL1/SND.WL2 rule).
        if (_sndWl1 < segment.SeqNumber || (_sndWl1 == segment.SeqNumber && _sndWl2 <= ack))
        {
            bool opened = _sndWnd == 0 && newWindow > 0;
            _sndWnd = newWindow;
            _maxSndWnd = Math.Max(_maxSndWnd, newWindow);
            _sndWl1 = segment.SeqNumber;
            _sndWl2 = ack;
            if (opened)
            {
                _persistAt = Instant.MaxValue;
                _persistBackoff = 0;
            }
        }
        if (_sndWnd == 0)
        {
            // A zero-window peer that keeps answering is alive: probes must not time the connection out (§3.8.6.1).
            _retries = 0;
            _unackedSince = now;
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
        int flightBefore = _sndMax - _sndUna;
        int acked = ack - _sndUna;
        var rtt = TakeRttSample(now, segment, ack);

        int remaining = acked;
        if (_sndUna == _iss)
            remaining--; // the SYN
        int dataAcked = Math.Min(Math.Max(remaining, 0), _sendBuffer?.Count ?? 0);
        if (dataAcked > 0)
        {
            _sendBuffer!.Advance(dataAcked);
            _sndBufferSeq += dataAcked;
            _bytesAcked += dataAcked;
        }
        remaining -= dataAcked;
        if (remaining > 0 && _finQueued)
            _finAcked = true;

        _sndUna = ack;
        if (_sndNxt < _sndUna)
            _sndNxt = _sndUna;
        if (_highRxt < _sndUna)
            _highRxt = _sndUna;
        _scoreboard?.Prune(ack);
        // Newly delivered: the cumulative advance plus SACK growth, less octets SACKed before and now cumulative.
        long delivered = acked + ((_scoreboard?.SackedBytes ?? 0) - sackedBefore);
        var rate = _rate.OnAck(now, delivered, _sndUna, HighestDelivered(ack), out bool roundStart);
        _retries = 0;
        _unackedSince = now;
        _keepAliveProbes = 0;
        LastSoftError = null; // the path works again (Linux clears sk_err_soft on an ACK of new data)

        // Congestion control: the ACK event first (slow start / avoidance outside recovery, RFC 5681 §3.1), then
        // NewReno recovery (RFC 6582 §3.2) or the end of SACK recovery.
        _congestion.OnAck(new TcpAckEvent
        {
            Now = now,
            BytesAcked = acked,
            BytesDelivered = delivered,
            BytesInFlight = flightBefore,
            RttSample = rtt,
            Rate = rate,
            RoundStart = roundStart,
        });
        if (_congestion.InRecovery)
        {
            if (ack >= _recover)
            {
                // RFC 6582 §3.2 step 6 / RFC 6675 §5: a full ACK ends recovery. After SACK recovery PRR kept the
                // flight near ssthresh, so cwnd = ssthresh (RFC 6937 §3.1) rather than NewReno's flight + SMSS.
                int flight = _sndMax - _sndUna;
                _congestion.OnRecoveryEnd(_sackRecovery ? Math.Max(flight, _congestion.SlowStartThreshold) : flight);
                ExitSackRecovery();
                _dupAcks = 0;
            }
            else if (_sackRecovery)
            {
                // RFC 6675: a partial ACK needs nothing special; NextSeg and PRR carry on (OnSackRecoveryAck).
            }
            else
            {
                // Partial ACK: retransmit the next hole at once.
                _congestion.OnPartialAck(acked);
                _fastRetransmitPending = true;
            }
        }
        else
        {
            _dupAcks = 0;
        }

        // RFC 6298 §5.2/§5.3: stop the timer when all is acknowledged, else restart it.
        _rtoAt = _sndMax > _sndUna ? now + _rtt.Rto : Instant.MaxValue;
        if (_sndMax == _sndUna)
            _forceOne = false;

        if (dataAcked > 0)
            Observer?.OnWritable(this);
    }

    /// <summary>The highest octet this ACK could have delivered: SND.UNA's new value or the highest SACKed octet.</summary>
    private SeqNumber HighestDelivered(SeqNumber ack) =>
        _scoreboard is { Count: > 0 } sb && sb.HighestSacked > ack ? sb.HighestSacked : ack;

    /// <summary>Records SACK blocks in the scoreboard; true when they SACK octets not known before.</summary>
    private bool NoteSackBlocks(in TcpSackBlocks blocks)
    {
        _scoreboard ??= new SackScoreboard();
        bool progress = false;
        for (int i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            // RFC 2018 §5 / RFC 6675 §5.1: ignore blocks outside SND.UNA..SND.MAX.
            if (block.Left < _sndUna || block.Right > _sndMax || block.Right <= block.Left)
                continue;
            progress |= _scoreboard.Add(block.Left, block.Right);
        }
        return progress;
    }

    private void OnDuplicateAck(bool sackProgress)
    {
        _dupAcks++;
        if (_sackRecovery)
            return; // RFC 6675 §5: in SACK recovery every ACK is handled by OnSackRecoveryAck
        if (_congestion.InRecovery)
        {
            // RFC 5681 §3.2 step 4: inflate by one segment, which may let new data out.
            _congestion.OnDuplicateAck(_sndMax - _sndUna);
            // RFC 6675 §5 (simplified): each ACK that SACKs more data clocks out the next hole.
            if (sackProgress)
                _fastRetransmitPending = true;
        }
        else if (_sndUna >= _recover
            && (_dupAcks >= DupThresh || (_scoreboard is { Count: > 0 } && _scoreboard.IsLost(_sndUna, DupThresh, _sendMss))))
        {
            // RFC 5681 §3.2 steps 2-3, RFC 6582 §3.2 step 2: enter fast recovery (only for data sent after
            // the last recovery or timeout); RFC 6675 §5: also when IsLost(HighACK + 1).
            EnterRecovery();
        }
    }

    /// <summary>Fast retransmit and recovery: SACK-based (RFC 6675) when the peer SACKs, else NewReno (RFC 6582).</summary>
    private void EnterRecovery()
    {
        _recover = _sndMax;
        _highRxt = _sndUna;
        _congestion.OnRecoveryStart(_sndMax - _sndUna);
        if (_sack && _scoreboard is { Count: > 0 })
            EnterSackRecovery();
        _fastRetransmitPending = true;
        _fastRetransmits++;
        Trace?.Trace(this, $"fast retransmit at {_sndUna}{(_sackRecovery ? " (SACK recovery)" : "")}");
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
        int skip = _rcvNxt - segment.SeqNumber;
        if (skip >= payload.Length)
        {
            // Entirely old data: a retransmission whose ACK was lost; ACK at once.
            _ackNow = true;
            return;
        }
        if (_receiveClosed)
        {
            // New data after the application closed: nobody will read it. Reset like Linux (RFC 2525 §2.17).
            QueueReset(_sndMax, _rcvNxt, RemotePort);
            ClearAll();
            SetState(TcpState.Closed);
            return;
        }
        if (_receiveBuffer is null)
            return;
        int offset = 0;
        if (skip > 0)
            payload = payload[skip..];
        else
            offset = -skip;
        // Trim to what the buffer can hold (§3.10.7.4: "trim to the window").
        int room = _receiveBuffer.Window - offset;
        if (room <= 0)
        {
            _ackNow = true;
            return;
        }
        if (payload.Length > room)
            payload = payload[..room];

        bool hadHoles = _receiveBuffer.HasOutOfOrderData;
        int contiguous = _receiveBuffer.Write(offset, payload);
        if (payload.Length > _rcvMss && payload.Length <= 65535)
            _rcvMss = payload.Length;
        if (contiguous > 0)
        {
            _rcvNxt += contiguous;
            _bytesReceived += contiguous;
            if (_peerFinPending && _rcvNxt == _peerFinSeq)
                ConsumeFin(now);
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
        _bytesSinceAck += payload.Length;
        if (payload.Length >= _rcvMss)
            _fullSegmentsSinceAck++;
        // RFC 1122 §4.2.3.2 / RFC 5681 §4.2: ACK at least every second full-sized segment, else within the timer.
        if (_config.DelayedAckTimeout == TimeSpan.Zero || _fullSegmentsSinceAck >= 2 || _bytesSinceAck >= 2 * _rcvMss)
            _ackNow = true;
        else if (_delayedAckAt == Instant.MaxValue)
            _delayedAckAt = now + _config.DelayedAckTimeout;
    }

    /// <summary>§3.10.7.4 eighth: the FIN bit.</summary>
    private void ProcessFin(Instant now, in TcpRepr segment, int payloadLength)
    {
        if (segment.Control != TcpControl.Fin || _peerFinReceived)
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
        if (_receiveBuffer is not null && finSeq - _rcvNxt > _receiveBuffer.Window)
            return;
        if (finSeq == _rcvNxt)
        {
            ConsumeFin(now);
        }
        else if (finSeq > _rcvNxt)
        {
            // FIN beyond a hole: remember it until the hole fills.
            _peerFinPending = true;
            _peerFinSeq = finSeq;
            _ackNow = true;
        }
    }

    private void ConsumeFin(Instant now)
    {
        _peerFinPending = false;
        _peerFinReceived = true;
        _rcvNxt += 1;
        _rcvAdvertisedEdge += 1; // the FIN takes sequence space but no buffer space
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
