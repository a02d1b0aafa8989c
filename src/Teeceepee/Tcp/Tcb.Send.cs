using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

public sealed partial class Tcb
{
    private const int TimestampOptionBytes = 12;
    private const int MaxQueuedDuplicateAcks = 8;

    private int _dupAcksToSend;
    private readonly DeliveryRateEstimator _rate = new();
    private int _segmentationOffloadLimit;
    private bool _forceOne;          // after a timeout or persist expiry: one segment regardless of windows
    private bool _rttTiming;
    private SeqNumber _rttSeq;
    private Instant _rttSentAt;
    private bool _tsRetransmitted;
    private uint _tsRetransmitFloor;      // our TSval at the last retransmission

    /// <summary>
    /// Largest payload of one data segment when the link cuts super-segments into MSS-sized wire segments (TSO);
    /// 0 (the default) keeps every segment within one MSS. <see cref="TcpHost"/> sets it from its own
    /// <see cref="TcpHost.SegmentationOffloadLimit"/>. Only new data goes out in super-segments (whole multiples of the
    /// MSS, bounded by cwnd and the peer's window); retransmissions stay one MSS.
    /// </summary>
    public int SegmentationOffloadLimit
    {
        get => _segmentationOffloadLimit;
        set => _segmentationOffloadLimit = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>
    /// Produces the next segment to send, if any (RFC 9293 §3.10 "SEND", §3.8). Payload bytes are copied into
    /// <paramref name="payloadBuffer"/> (which should hold at least one MSS); <c>segment.PayloadLength</c> says how many.
    /// Call repeatedly until it returns false: many segments can be in flight.
    /// </summary>
    public bool TryDispatch(Instant now, Span<byte> payloadBuffer, out TcpRepr segment) =>
        TryDispatch(now, payloadBuffer, out segment, out _);

    /// <summary>
    /// Like <see cref="TryDispatch(Instant, Span{byte}, out TcpRepr)"/>; with <see cref="SegmentationOffloadLimit"/> set, new
    /// data may go out as one super-segment of several MSS. <paramref name="segmentSize"/> is then the payload octets per
    /// wire segment the link must cut it into (TSO gso_size); 0 when the segment is an ordinary one.
    /// </summary>
    public bool TryDispatch(Instant now, Span<byte> payloadBuffer, out TcpRepr segment, out int segmentSize)
    {
        segmentSize = 0;
        RunTimers(now);

        if (_rstPending)
        {
            _rstPending = false;
            _segmentsSent++;
            segment = new TcpRepr
            {
                SourcePort = LocalPort,
                DestinationPort = _rstPort,
                Control = TcpControl.Rst,
                SeqNumber = _rstSeq,
                AckNumber = _rstAck,
            };
            return true;
        }

        switch (State)
        {
            case TcpState.Closed:
                segment = default;
                return false;
            case TcpState.SynSent or TcpState.SynReceived when _snd.Nxt == _snd.Iss:
                segment = BuildSyn(now, payloadBuffer);
                return true;
            case TcpState.SynSent:
                segment = default;
                return false;
        }

        if (_dupAcksToSend > 0)
        {
            // Duplicate ACKs go out as pure ACKs: a peer counts only those (RFC 5681 §2).
            _dupAcksToSend--;
            segment = BuildAck(now, _snd.Max);
            return true;
        }

        if (CanCarryData && !PacingHolds(now))
        {
            // RFC 9293 §3.7.1: the MSS counts options too. The timestamp option is already out of
            // Eff.snd.MSS; SACK blocks riding on data take their room from the payload, or the
            // segment would exceed the path MTU and fragment.
            int mss = Math.Max(1, _snd.Mss - SackOptionBytes());
            var dataBuffer = payloadBuffer[..Math.Min(payloadBuffer.Length, mss)];
            if ((_loss.FastRetransmitPending || _loss.SackRecovery || _loss.TlpPending || _loss.RackRepairPending) && TryBuildFastRetransmit(now, dataBuffer, out segment))
            {
                OnPacedSend(now, segment.PayloadLength);
                return true;
            }
            if (TryPlanPathMtuProbe(now, payloadBuffer.Length, out int probeLength))
            {
                segment = BuildData(now, _snd.Nxt, probeLength, fin: false, payloadBuffer);
                OnPacedSend(now, probeLength);
                return true;
            }
            if (TryPlanNewData(mss, payloadBuffer.Length, out int length, out bool fin))
            {
                // A super-segment (TSO): the link cuts it into wire segments of one MSS, each with this header.
                int wireSegments = 1;
                if (length > mss)
                {
                    segmentSize = mss;
                    wireSegments = (length + mss - 1) / mss;
                }
                segment = BuildData(now, _snd.Nxt, length, fin, payloadBuffer, wireSegments);
                OnPacedSend(now, length);
                return true;
            }
        }

        if (_ackNow || now >= _timers.DelayedAckAt)
        {
            // SEQ = SND.MAX, not the rewound SND.NXT of a go-back-N retransmission: the peer may have
            // received beyond SND.NXT already and would find a lower SEQ unacceptable, ignoring the ACK.
            segment = BuildAck(now, _snd.Max);
            return true;
        }

        if (_timers.KeepAliveNow)
        {
            // RFC 1122 §4.2.3.6: a keepalive is an ACK with SEG.SEQ = SND.NXT-1, which the peer must answer.
            _timers.KeepAliveNow = false;
            segment = BuildAck(now, _snd.Max - 1);
            Trace?.Trace(this, "keepalive probe");
            return true;
        }

        ArmPersistIfBlocked(now);
        ArmLossProbeAfterSend(now);
        if (CanCarryData && _snd.Buffer!.Count == _snd.Max - _snd.BufferSeq && _snd.Max - _snd.Una < _congestion.Window)
            _rate.OnApplicationLimited(_snd.Max - _snd.Una); // nothing left to send with room in cwnd: app-limited
        segment = default;
        return false;
    }

    /// <summary>States in which data and FIN may be (re)sent once the SYN is acknowledged.</summary>
    private bool CanCarryData =>
        State is TcpState.Established or TcpState.FinWait1 or TcpState.CloseWait or TcpState.Closing or TcpState.LastAck
        && _snd.Buffer is not null;

    /// <summary>
    /// Decides how much new data (and whether the FIN) may go at SND.NXT: windows, Nagle, SWS. <paramref name="mss"/> is the
    /// payload of one wire segment; with <see cref="SegmentationOffloadLimit"/> new data may take up to that many octets
    /// (whole MSS multiples, but for the tail of the queue) while Nagle and SWS still reason per MSS.
    /// </summary>
    private bool TryPlanNewData(int mss, int bufferLength, out int length, out bool fin)
    {
        length = 0;
        fin = false;
        int queued = _snd.Buffer!.Count;
        int sackLimit = int.MaxValue;
        if (_snd.Nxt < _snd.Max && _loss.Scoreboard is { Count: > 0 })
        {
            // Resending after a timeout: skip what the receiver SACKed (RFC 6675 §5.1 keeps the scoreboard).
            while (_loss.Scoreboard.TryGetRangeContaining(_snd.Nxt, out var right))
                _snd.Nxt = right;
            if (_loss.Scoreboard.TryGetNextRangeStart(_snd.Nxt, out var left))
                sackLimit = left - _snd.Nxt;
        }
        int available = queued - (_snd.Nxt - _snd.BufferSeq);
        if (available < 0 || _finAcked)
            return false; // everything including the FIN is out
        // RFC 3042 limited transmit: the first two duplicate ACKs each release one new segment.
        int limitedTransmit = !_congestion.InRecovery && _loss.DupAcks is 1 or 2 ? _loss.DupAcks * _snd.Mss : 0;
        long usable = UsableWindow(limitedTransmit); // cwnd/pipe/PRR and the peer's window (Tcb.Recovery.cs)
        if (_forceOne && usable < 1)
            usable = 1; // RFC 9293 §3.8.6.1: a zero-window probe carries one octet; RFC 6298 §5.4 resends one segment
        int segmentCap = Math.Min(mss, bufferLength);
        // Super-segments carry new data only: anything below SND.MAX is a retransmission and stays one MSS.
        int offloadLimit = _segmentationOffloadLimit > mss ? OffloadLimit(mss) : 0;
        // A CWR goes on one MSS-sized segment: a super-segment's header would put it on every wire segment.
        bool super = offloadLimit > mss && _snd.Nxt >= _snd.Max && !_forceOne && bufferLength > mss && !_ecnCwrPending;
        int cap = super ? Math.Min(offloadLimit, bufferLength) / mss * mss : segmentCap;
        int len = (int)Math.Min(Math.Min(Math.Min(available, sackLimit), cap), Math.Max(0, usable));
        if (len > mss && len % mss != 0 && !(len == available && (_config.NoDelay || _finQueued)))
        {
            // The sub-MSS rest would be a separate segment sent after full ones, which Nagle (RFC 896) and sender SWS
            // (RFC 9293 §3.8.6.2.1) hold back unless NoDelay or a FIN pushes it: cut the super-segment at whole MSS.
            len -= len % mss;
        }
        // The FIN follows the last octet; it needs no window (the peer accepts a FIN at RCV.NXT).
        fin = _finQueued && len == available;
        if (len < available && len == sackLimit && len > 0)
        {
            length = len; // a piece up to SACKed data: no silly-window hold-back for retransmissions
            return true;
        }
        if (len == 0)
        {
            length = 0;
            return fin;
        }
        if (len < segmentCap && !_forceOne) // a caller buffer under one MSS caps segments, never stalls them
        {
            bool allQueued = len == available;
            // RFC 896 (Nagle) with RFC 9293 §3.8.6.2.1 (b): a short segment only when nothing is unacknowledged.
            bool push = allQueued && (_config.NoDelay || _snd.Nxt == _snd.Una || _finQueued);
            // RFC 9293 §3.8.6.2.1 (c): or when it fills at least half the largest window the peer offered.
            bool halfWindow = _snd.MaxWindow > 0 && len >= _snd.MaxWindow / 2;
            if (!push && !halfWindow)
            {
                fin = false;
                return false;
            }
        }
        length = len;
        return true;
    }

    private bool TryBuildFastRetransmit(Instant now, Span<byte> payloadBuffer, out TcpRepr segment)
    {
        if (_loss.RackRepairPending && !_loss.SackRecovery)
        {
            if (TryBuildRackRepair(now, payloadBuffer, out segment))
                return true; // a lost retransmission after a timeout (Tcb.Rack.cs)
            if (!_loss.FastRetransmitPending && !_loss.TlpPending)
                return false;
        }
        if (_loss.SackRecovery)
            return TryBuildSackRetransmit(now, payloadBuffer, out segment);
        if (_loss.TlpPending && !_loss.FastRetransmitPending)
            return TryBuildTailProbe(now, payloadBuffer, out segment);
        // RFC 5681 §3.2 step 3 / RFC 6582 §3.2 step 5 (NewReno): resend the first unacknowledged segment
        // regardless of cwnd, on entering recovery and after each partial ACK. SACK information that
        // arrived without starting SACK recovery still lets it skip what the receiver holds.
        _loss.FastRetransmitPending = false;
        segment = default;
        if (_snd.Max <= _snd.Una)
            return false;
        SeqNumber start = SeqNumber.Max(_snd.Una, _loss.HighRxt);
        SeqNumber limit = _snd.Max;
        if (_loss.Scoreboard is { Count: > 0 })
        {
            while (_loss.Scoreboard.TryGetRangeContaining(start, out var right))
                start = right;
            if (start > _snd.Una && start >= _loss.Scoreboard.HighestSacked)
                return false; // no hole known lost beyond what was already resent
            if (_loss.Scoreboard.TryGetNextRangeStart(start, out var left))
                limit = left;
        }
        else if (start > _snd.Una)
        {
            return false;
        }
        if (start >= _snd.Max)
            return false;
        int offset = start - _snd.BufferSeq;
        int outstandingData = Math.Min(_snd.Buffer!.Count - offset, limit - start);
        int len = Math.Max(0, Math.Min(Math.Min(_snd.Mss, payloadBuffer.Length), outstandingData));
        SeqNumber finSeq = _snd.BufferSeq + _snd.Buffer.Count;
        bool fin = _finQueued && start + len == finSeq && finSeq < _snd.Max;
        if (len == 0 && !fin)
            return false;
        segment = BuildData(now, start, len, fin, payloadBuffer);
        _loss.HighRxt = start + len;
        return true;
    }

    private TcpRepr BuildData(Instant now, SeqNumber seq, int length, bool fin, Span<byte> payloadBuffer, int wireSegments = 1)
    {
        if (length > 0 && PayloadInPlace)
        {
            // Gather send: no copy. Bytes spread over more than two short blocks are gathered into the buffer instead.
            _payloadTaken = !_snd.Buffer!.TryGetSlices(seq - _snd.BufferSeq, length, out _payload, out _payload2);
            if (_payloadTaken)
                _snd.Buffer.CopyTo(seq - _snd.BufferSeq, payloadBuffer[..length]);
        }
        else if (length > 0)
        {
            _snd.Buffer!.CopyTo(seq - _snd.BufferSeq, payloadBuffer[..length]);
        }
        SeqNumber end = seq + length + (fin ? 1 : 0);
        bool retransmission = seq < _snd.Max;
        if (retransmission)
        {
            _retransmits++;
            OnRetransmitForPathMtu(seq, end);
            // Karn's rule (RFC 6298 §3): a retransmitted segment gives no RTT sample.
            if (_rttTiming && _rttSeq >= seq && _rttSeq < end)
                _rttTiming = false;
            _tsRetransmitted = true;
            _tsRetransmitFloor = TsNow(now);
            NoteRetransmissionForUndo(now, seq, end);
        }
        else if (!_rttTiming && !_timestamps && length > 0)
        {
            _rttTiming = true;
            _rttSeq = seq;
            _rttSentAt = now;
        }
        OnDataSent(now, seq, end, retransmission); // RACK's per-segment send time (Tcb.Rack.cs)
        if (_snd.Una == _snd.Max)
            _timers.UnackedSince = now;
        if (end > _snd.Max && length > 0)
            _rate.OnSend(now, SeqNumber.Max(seq, _snd.Max), end, _snd.Max - _snd.Una, (int)Math.Min(_loss.Scoreboard?.SackedBytes ?? 0, int.MaxValue)); // new data: a delivery-rate record
        if (end > _snd.Nxt)
            _snd.Nxt = end;
        if (end > _snd.Max)
            _snd.Max = end;
        // RFC 6298 §5.1: start the timer when it is not running.
        if (_timers.RtoAt == Instant.MaxValue)
            _timers.RtoAt = now + _rtt.Rto;
        var (ecn, cwr) = EcnForData(length, retransmission);
        _forceOne = false;
        _timers.PersistAt = Instant.MaxValue;
        _bytesSent += length;
        _segmentsSent += wireSegments; // a super-segment counts the wire segments the link makes of it
        var segment = new TcpRepr
        {
            SourcePort = LocalPort,
            DestinationPort = RemotePort,
            Control = fin ? TcpControl.Fin : TcpControl.None,
            Push = length > 0 && seq + length == _snd.BufferSeq + _snd.Buffer!.Count,
            SeqNumber = seq,
            AckNumber = _rcv.Nxt,
            WindowLength = TakeWindowField(),
            Timestamp = _timestamps ? new TcpTimestamp(TsNow(now), _tsRecent) : null,
            SackBlocks = BuildSackBlocks(),
            PayloadLength = length,
            EcnEcho = EcnEchoToSend,
            CongestionWindowReduced = cwr,
            Ecn = ecn,
        };
        OnAckSent();
        return segment;
    }

    private TcpRepr BuildAck(Instant now, SeqNumber seq)
    {
        _segmentsSent++;
        var segment = new TcpRepr
        {
            SourcePort = LocalPort,
            DestinationPort = RemotePort,
            SeqNumber = seq,
            AckNumber = _rcv.Nxt,
            WindowLength = TakeWindowField(),
            Timestamp = _timestamps ? new TcpTimestamp(TsNow(now), _tsRecent) : null,
            SackBlocks = BuildSackBlocks(),
            EcnEcho = EcnEchoToSend,
        };
        OnAckSent();
        return segment;
    }

    private TcpRepr BuildSyn(Instant now, Span<byte> payloadBuffer)
    {
        bool synAck = State == TcpState.SynReceived;
        bool retransmission = _snd.Max > _snd.Iss;
        if (retransmission)
        {
            _retransmits++;
            _rttTiming = false;
            _tsRetransmitted = true;
            _tsRetransmitFloor = TsNow(now);
        }
        else if (!_timestamps)
        {
            _rttTiming = true;
            _rttSeq = _snd.Iss;
            _rttSentAt = now;
        }
        _snd.Nxt = _snd.Iss + 1;
        if (_snd.Max < _snd.Nxt)
            _snd.Max = _snd.Nxt;
        if (_timers.RtoAt == Instant.MaxValue)
            _timers.RtoAt = now + _rtt.Rto;
        _timers.UnackedSince = retransmission ? _timers.UnackedSince : now;
        _segmentsSent++;

        // RFC 7323 §2.2: the window of a SYN is never scaled.
        int window = (int)Math.Min(_rcv.Buffer?.Window ?? 0, ushort.MaxValue);
        var segment = new TcpRepr
        {
            SourcePort = LocalPort,
            DestinationPort = RemotePort,
            Control = TcpControl.Syn,
            SeqNumber = _snd.Iss,
            AckNumber = synAck ? _rcv.Nxt : null,
            WindowLength = (ushort)window,
            MaxSegmentSize = (ushort)_maxSegmentSize,
            // RFC 7323 §1.3, RFC 2018 §2: a SYN-ACK echoes only the options the peer's SYN offered.
            WindowScale = (synAck ? _windowScaling : _config.WindowScaling) ? (byte)_rcv.Shift : null,
            SackPermitted = synAck ? _sack : _config.Sack,
            Timestamp = synAck
                ? (_timestamps ? new TcpTimestamp(TsNow(now), _tsRecent) : null)
                : (_config.Timestamps ? new TcpTimestamp(TsNow(now), 0) : null),
            // RFC 3168 §6.1.1: ECE + CWR ask for ECN; a SYN-ACK agreeing carries ECE alone.
            EcnEcho = synAck ? _ecn : AskForEcn(retransmission),
            CongestionWindowReduced = !synAck && _ecnSetupSent,
        };
        segment = WithFastOpen(now, segment, retransmission, payloadBuffer);
        if (synAck)
        {
            _rcv.AdvertisedEdge = _rcv.Nxt + window;
            OnAckSent();
        }
        return segment;
    }

    private void OnAckSent()
    {
        _ackNow = false;
        _timers.DelayedAckAt = Instant.MaxValue;
        _bytesSinceAck = 0;
        _fullSegmentsSinceAck = 0;
        _rcv.LastAckSent = _rcv.Nxt;
    }

    /// <summary>Our clock for RFC 7323 timestamps: milliseconds plus a per-connection offset.</summary>
    private uint TsNow(Instant now) => unchecked((uint)now.TotalMilliseconds + _tsOffset);

    /// <summary>The window to advertise with receiver SWS avoidance (RFC 9293 §3.8.6.2.2); never shrinks the right edge.</summary>
    private long ComputeReceiveWindow()
    {
        long advertised = Math.Max(0, _rcv.AdvertisedEdge - _rcv.Nxt);
        if (_rcv.Buffer is null)
            return advertised;
        long free = Math.Min(Math.Min(_rcv.Buffer.Window, AutoTunedWindowLimit()), (long)ushort.MaxValue << _rcv.Shift);
        long threshold = Math.Min(_rcv.Buffer.Capacity / 2, _rcv.Mss);
        return free - advertised >= threshold ? free : advertised;
    }

    private bool WindowUpdateWorthSending()
    {
        if (_rcv.Buffer is null)
            return false;
        long advertised = Math.Max(0, _rcv.AdvertisedEdge - _rcv.Nxt);
        long free = Math.Min(Math.Min(_rcv.Buffer.Window, AutoTunedWindowLimit()), (long)ushort.MaxValue << _rcv.Shift);
        // Send an update once the window opened by two segments or half the buffer, whichever is smaller.
        return free - advertised >= Math.Min(2L * _rcv.Mss, _rcv.Buffer.Capacity / 2);
    }

    private ushort TakeWindowField()
    {
        long window = ComputeReceiveWindow();
        long advertised = Math.Max(0, _rcv.AdvertisedEdge - _rcv.Nxt);
        long field = window >> _rcv.Shift;
        if ((field << _rcv.Shift) < advertised)
            field = (advertised + (1L << _rcv.Shift) - 1) >> _rcv.Shift; // round up rather than shrink (RFC 7323 §2.4)
        field = Math.Min(field, ushort.MaxValue);
        _rcv.AdvertisedEdge = _rcv.Nxt + (int)(field << _rcv.Shift);
        return (ushort)field;
    }

    /// <summary>Option bytes the SACK blocks of our next segment take (RFC 2018 §3: 2 + 8n, with two NOPs of padding).</summary>
    private int SackOptionBytes()
    {
        int dsack = _sack && _rcv.DsackPending ? 1 : 0;
        if (!_sack || _rcv.Buffer is not { HasOutOfOrderData: true })
            return dsack == 0 ? 0 : 12;
        Span<(int Start, int End)> ranges = stackalloc (int, int)[TcpSackBlocks.Capacity];
        int n = Math.Min(_rcv.Buffer.GetOutOfOrderRanges(ranges[..(_timestamps ? 3 : 4)]) + dsack, _timestamps ? 3 : 4);
        return n == 0 ? 0 : 4 + (8 * n);
    }

    private TcpSackBlocks BuildSackBlocks()
    {
        var blocks = new TcpSackBlocks();
        if (!_sack)
            return blocks;
        int max = _timestamps ? 3 : 4;
        if (_rcv.DsackPending)
        {
            // RFC 2883 §4: the first block reports the duplicate, once; the usual SACK blocks follow.
            _rcv.DsackPending = false;
            blocks.TryAdd(new TcpSackBlock(_rcv.DsackStart, _rcv.DsackEnd));
            max--;
        }
        if (_rcv.Buffer is not { HasOutOfOrderData: true })
            return blocks;
        // RFC 2018 §4: most recent block first; three fit beside timestamps, four without.
        Span<(int Start, int End)> ranges = stackalloc (int, int)[TcpSackBlocks.Capacity];
        int n = _rcv.Buffer.GetOutOfOrderRanges(ranges[..max]);
        for (int i = 0; i < n; i++)
            blocks.TryAdd(new TcpSackBlock(_rcv.Nxt + ranges[i].Start, _rcv.Nxt + ranges[i].End));
        return blocks;
    }
}
