using System.Buffers;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// RFC 8985 §6.1's per-segment state of the octets in flight: for each transmission its sequence range, when it last
/// left, and whether it was retransmitted, SACKed or marked lost. Records are sorted by sequence and disjoint, in one
/// array rented from the shared pool that grows by doubling up to <see cref="MaxRecords"/> and goes back to the pool when
/// everything is acknowledged (an idle connection holds none; nothing is allocated per segment). Sends at
/// one instant share a record until a SACK edge or a retransmission splits it. Past the bound, new data joins the newest
/// record and takes its later time: RACK then finds a loss in it later, never wrongly.
/// </summary>
/// <remarks>A mutable struct held in place by <see cref="Rack"/>: reach it through <see cref="Rack.Log"/>'s <c>ref</c>, never copy it.</remarks>
internal struct RackSegmentLog
{
    /// <summary>Records kept at most (a flight of this many separately sent or split segments).</summary>
    public const int MaxRecords = 4096;

    /// <summary>One transmission (or the part of one that a SACK edge or a retransmission cut out).</summary>
    public struct Record
    {
        /// <summary>First octet.</summary>
        public SeqNumber Start;
        /// <summary>One past the last octet (RFC 8985 Segment.end_seq).</summary>
        public SeqNumber End;
        /// <summary>When it was last sent (RFC 8985 Segment.xmit_ts).</summary>
        public Instant SentAt;
        /// <summary>Sent more than once.</summary>
        public bool Retransmitted;
        /// <summary>SACKed whole.</summary>
        public bool Sacked;
        /// <summary>Marked lost and not sent again since (RFC 8985 Segment.lost).</summary>
        public bool Lost;
    }

    private Record[]? _records;     // null while nothing is in flight
    private int _head;
    private int _count;

    /// <summary>Records held.</summary>
    public int Count => _count;

    /// <summary>Records with <see cref="Record.Retransmitted"/> set (a loss scan may stop early when it has seen them all).</summary>
    public int RetransmittedCount { get; private set; }

    /// <summary>The <paramref name="index"/>-th record in sequence order.</summary>
    public readonly ref Record At(int index) => ref _records![_head + index];

    /// <summary>Forgets every record and returns the storage to the pool.</summary>
    public void Clear()
    {
        _head = 0;
        _count = 0;
        RetransmittedCount = 0;
        if (_records is not null)
            ArrayPool<Record>.Shared.Return(_records);
        _records = null;
    }

    /// <summary>A transmission of [start, end) at <paramref name="now"/>: new data is appended, a retransmission re-stamps its records.</summary>
    public void OnSend(SeqNumber start, SeqNumber end, Instant now)
    {
        if (end <= start)
            return;
        SeqNumber tail = _count > 0 ? At(_count - 1).End : start;
        if (_count == 0 || start >= tail)
        {
            Append(start, end, now);
            return;
        }
        if (end > tail)
        {
            Restamp(start, tail, now);
            Append(tail, end, now);
            return;
        }
        Restamp(start, end, now);
    }

    /// <summary>The index of the first record ending after <paramref name="seq"/>; <see cref="Count"/> when none does.</summary>
    public readonly int IndexOf(SeqNumber seq)
    {
        int lo = 0, hi = _count - 1, found = _count;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (At(mid).End > seq)
            {
                found = mid;
                hi = mid - 1;
            }
            else
            {
                lo = mid + 1;
            }
        }
        return found;
    }

    /// <summary>Cuts the record holding <paramref name="seq"/> inside it in two; false only when there is no room.</summary>
    public bool SplitAt(SeqNumber seq)
    {
        int i = IndexOf(seq);
        if (i == _count || At(i).Start >= seq)
            return true; // no record straddles seq
        if (!EnsureRoom())
            return false;
        var records = _records!;
        int at = _head + i;
        Array.Copy(records, at, records, at + 1, _count - i);
        _count++;
        records[at].End = seq;
        records[at + 1].Start = seq;
        if (records[at].Retransmitted)
            RetransmittedCount++;
        return true;
    }

    /// <summary>Drops the first record (cumulatively acknowledged).</summary>
    public void RemoveFirst()
    {
        if (_records![_head].Retransmitted)
            RetransmittedCount--;
        _head++;
        _count--;
        if (_count == 0)
            Clear(); // all acknowledged: an idle connection keeps no records (issue 13 item 2)
    }

    /// <summary>Clears every lost mark (an undo, or the end of a recovery: what is still out is judged afresh).</summary>
    public readonly void ClearLost()
    {
        for (int i = 0; i < _count; i++)
            At(i).Lost = false;
    }

    /// <summary>Clears every SACK mark (the receiver may have reneged: RFC 2018 §8).</summary>
    public readonly void ClearSacked()
    {
        for (int i = 0; i < _count; i++)
            At(i).Sacked = false;
    }

    private void Restamp(SeqNumber start, SeqNumber end, Instant now)
    {
        SplitAt(start);
        SplitAt(end);
        for (int i = IndexOf(start); i < _count && At(i).Start < end; i++)
        {
            ref var r = ref At(i);
            if (!r.Retransmitted)
            {
                r.Retransmitted = true;
                RetransmittedCount++;
            }
            r.SentAt = now;
            r.Lost = false;
        }
    }

    private void Append(SeqNumber start, SeqNumber end, Instant now)
    {
        if (_count > 0)
        {
            ref var last = ref At(_count - 1);
            bool plain = !last.Retransmitted && !last.Sacked && !last.Lost && last.End == start;
            // Same instant: one record (a SACK edge splits it again). No room: the newest record grows and takes the later time.
            if (plain && (last.SentAt == now || !EnsureRoom()))
            {
                last.End = end;
                last.SentAt = now;
                return;
            }
        }
        if (!EnsureRoom())
            return; // the newest record cannot take it: these octets go untracked (found lost by RFC 6675 or the RTO only)
        _records![_head + _count] = new Record { Start = start, End = end, SentAt = now };
        _count++;
    }

    /// <summary>Makes room for one more record at the end: compacts to the front or grows; false at the bound.</summary>
    private bool EnsureRoom()
    {
        int length = _records?.Length ?? 0;
        if (_head + _count < length)
            return true;
        if (_head > 0 && _count < length * 3 / 4)
        {
            Compact(_records!);
            return true;
        }
        if (length < MaxRecords)
        {
            var old = _records;
            Compact(ArrayPool<Record>.Shared.Rent(Math.Min(MaxRecords, Math.Max(8, length * 2))));
            if (old is not null)
                ArrayPool<Record>.Shared.Return(old);
            return true;
        }
        if (_head > 0)
        {
            Compact(_records!);
            return true;
        }
        return false;
    }

    private void Compact(Record[] target)
    {
        if (_count > 0)
            Array.Copy(_records!, _head, target, 0, _count);
        _records = target;
        _head = 0;
    }
}
