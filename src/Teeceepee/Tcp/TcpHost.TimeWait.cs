using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// TIME-WAIT (RFC 9293 §3.10.7.4) as compact records: a connection entering it leaves a 64-octet
/// <see cref="TimeWaitRecord"/> in <see cref="TimeWaitTable"/> and its TCB is released; the record answers
/// retransmitted FINs, takes a reset, lets a new SYN reopen the 4-tuple (RFC 6191) and expires from a FIFO.
/// </summary>
public sealed partial class TcpHost
{
    private readonly TimeWaitTable _timeWait;
    private long _timeWaitSkipped;
    private long _timeWaitReopened;

    /// <summary>Connections in TIME-WAIT (records in the table).</summary>
    public int TimeWaitCount => _timeWait.Count;

    /// <summary>Connections that closed with the TIME-WAIT table at its limit and skipped TIME-WAIT (Linux: TCPTimeWaitOverflow).</summary>
    public long TimeWaitSkipped => _timeWaitSkipped;

    /// <summary>TIME-WAIT 4-tuples a new SYN reopened (RFC 6191).</summary>
    public long TimeWaitReopened => _timeWaitReopened;

    /// <summary>A copy of every TIME-WAIT record (for listings like <c>ss -tan state time-wait</c>); call on the loop.</summary>
    public TimeWaitRecord[] GetTimeWaitRecords() => _timeWait.ToArray();

    /// <summary>The TIME-WAIT record of a 4-tuple, if any.</summary>
    public TimeWaitRecord? FindTimeWait(TcpFourTuple key)
    {
        int slot = _timeWait.Find(key);
        return slot < 0 ? null : _timeWait[slot];
    }

    /// <summary>Bytes the TIME-WAIT table's arrays hold now.</summary>
    public long TimeWaitTableBytes => _timeWait.AllocatedBytes;

    /// <summary>A connection reached TIME-WAIT and has sent its last ACK: a record takes its place and the TCB goes.</summary>
    private void EnterTimeWait(Instant now, Tcb tcb)
    {
        var record = tcb.ToTimeWaitRecord(now);
        var length = tcb.TimeWaitLength;
        Unregister(tcb);
        if (length <= TimeSpan.Zero)
            return;
        if (!_timeWait.TryAdd(record, now, length))
        {
            // Like Linux past tcp_max_tw_buckets: the connection closes at once, counted.
            _timeWaitSkipped++;
            Trace?.TraceHost($"time-wait table full ({_timeWait.Limit}): {record.Key} closes without TIME-WAIT");
        }
    }

    /// <summary>Removes records whose 2×MSL has passed (RFC 9293 §3.10.8: TIME-WAIT → CLOSED).</summary>
    private void ExpireTimeWait(Instant now)
    {
        while (_timeWait.TryTakeExpired(now, out _))
        {
        }
    }

    /// <summary>
    /// A segment for a 4-tuple in TIME-WAIT (RFC 9293 §3.10.7.4, the steps as a TCB in TIME-WAIT takes them, with a receive
    /// window of zero); false when a new SYN reopened the 4-tuple and the listener should take it.
    /// </summary>
    private bool ProcessTimeWait(Instant now, int slot, NetAddress destination, in TcpRepr segment, int payloadLength)
    {
        ref var record = ref _timeWait[slot];
        bool tsValid = record.IsTsRecentValid(now);
        if (segment.Control == TcpControl.Syn && segment.AckNumber is null && AllowsReopen(record, segment, tsValid)
            && FindListener(destination, segment.DestinationPort) is not null)
        {
            _timeWait.Remove(slot);
            _timeWaitReopened++;
            return false;
        }

        // First check, RFC 7323 §5.3 R1 (PAWS, never for RST) and the sequence number; an unacceptable segment is
        // answered with an ACK, and a retransmitted FIN (below RCV.NXT) also restarts the 2×MSL wait (eighth step).
        bool paws = segment.Control != TcpControl.Rst && tsValid && segment.Timestamp is { } ts
            && unchecked((int)(ts.Value - record.TsRecent)) < 0;
        if (paws || segment.SeqNumber != record.ReceiveNext)
        {
            if (segment.Control != TcpControl.Rst)
                QueueTimeWaitAck(now, record);
            if (segment.Control == TcpControl.Fin)
                _timeWait.Restart(slot, now);
            Drop(paws ? TcpDropReason.Paws : TcpDropReason.OutOfWindow);
            return true;
        }
        switch (segment.Control)
        {
            case TcpControl.Rst:
                // Second check: a RST at RCV.NXT closes TIME-WAIT (RFC 9293; Linux's default, tcp_rfc1337 = 0, does the same;
                // RFC 1337's "ignore RSTs in TIME-WAIT" is not followed).
                _timeWait.Remove(slot);
                return true;
            case TcpControl.Syn:
                // Fourth check, RFC 5961 §4: a SYN that may not reopen gets a challenge ACK.
                QueueTimeWaitAck(now, record);
                Drop(TcpDropReason.SynInSynchronizedState);
                return true;
        }
        if (segment.AckNumber is null)
        {
            Drop(TcpDropReason.NoAck); // fifth check
            return true;
        }
        // RFC 7323 §4.3: the segment covers RCV.NXT, so its timestamp becomes TS.Recent.
        if (record.HasTimestamps && segment.Timestamp is { } recent && unchecked((int)(recent.Value - record.TsRecent)) >= 0)
        {
            record.TsRecent = recent.Value;
            record.TsRecentStamp = TimeWaitRecord.StampOf(now);
        }
        if (segment.Control == TcpControl.Fin)
        {
            // Eighth step: acknowledge and restart the 2×MSL wait. Text (seventh step) is ignored.
            QueueTimeWaitAck(now, record);
            _timeWait.Restart(slot, now);
        }
        return true;
    }

    /// <summary>
    /// RFC 6191 §2: with timestamps on both sides a SYN may reopen when its TSval is above TS.Recent (equal: the sequence
    /// rule decides); otherwise (RFC 1122 §4.2.2.13) when its sequence number is above RCV.NXT.
    /// </summary>
    private static bool AllowsReopen(in TimeWaitRecord record, in TcpRepr syn, bool tsValid)
    {
        if (tsValid && syn.Timestamp is { } ts)
        {
            int delta = unchecked((int)(ts.Value - record.TsRecent));
            if (delta != 0)
                return delta > 0;
        }
        return syn.SeqNumber > record.ReceiveNext;
    }

    /// <summary>&lt;SEQ=SND.NXT&gt;&lt;ACK=RCV.NXT&gt;&lt;CTL=ACK&gt; from a TIME-WAIT record.</summary>
    private void QueueTimeWaitAck(Instant now, in TimeWaitRecord record)
    {
        QueueControl(record.LocalAddress, record.RemoteAddress, new TcpRepr
        {
            SourcePort = record.LocalPort,
            DestinationPort = record.RemotePort,
            SeqNumber = record.SendNext,
            AckNumber = record.ReceiveNext,
            WindowLength = record.Window,
            Timestamp = record.HasTimestamps ? new TcpTimestamp(record.TsValue(now), record.TsRecent) : null,
        });
    }
}
