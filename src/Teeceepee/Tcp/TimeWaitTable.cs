using System.Numerics;
using System.Runtime.CompilerServices;

namespace Teeceepee.Tcp;

/// <summary>
/// The host's TIME-WAIT connections as <see cref="TimeWaitRecord"/>s (64 octets each) in one array, found by 4-tuple
/// through a chained hash over slot numbers, bounded by <see cref="Limit"/> (Linux's tcp_max_tw_buckets).
/// </summary>
/// <remarks>
/// Expiry needs no timer heap: every record of one TIME-WAIT length expires in the order it was (re)started, so each
/// length keeps a doubly linked FIFO: adding, restarting (to the tail), removing and expiring (from the head) are O(1),
/// and no entry outlives its record. The arrays grow by doubling up to the limit and shrink by half when a quarter is
/// used, so memory follows the number of records. Slot numbers change when a call adds or removes a record.
/// Not thread-safe: one event loop owns it.
/// </remarks>
public sealed class TimeWaitTable
{
    /// <summary>Distinct TIME-WAIT lengths kept in their own FIFO; a further length shares the nearest one's (expiring late by at most the difference).</summary>
    private const int MaxLists = 8;
    private const int MinCapacity = 16;
    private const int None = -1;

    private TimeWaitRecord[] _records = [];
    private int[] _chain = [];          // next slot in the same bucket; for free slots the next free slot
    private int[] _older = [];          // FIFO links, per list
    private int[] _newer = [];
    private byte[] _listOf = [];
    private int[] _buckets = [];        // first slot + 1 of each bucket (0: empty)
    private int _used;                  // slots ever handed out at this capacity
    private int _free = None;
    private readonly long[] _length = new long[MaxLists];
    private readonly int[] _head = [None, None, None, None, None, None, None, None];
    private readonly int[] _tail = [None, None, None, None, None, None, None, None];
    private int _lists;

    /// <summary>Creates an empty table that holds at most <paramref name="limit"/> records.</summary>
    public TimeWaitTable(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Limit = limit;
    }

    /// <summary>The most records the table holds; past it a closing connection skips TIME-WAIT.</summary>
    public int Limit { get; }

    /// <summary>Records held now.</summary>
    public int Count { get; private set; }

    /// <summary>Slots allocated (the arrays' length).</summary>
    public int Capacity => _records.Length;

    /// <summary>The earliest deadline of any record, <see cref="Instant.MaxValue"/> when empty.</summary>
    public Instant NextDeadline
    {
        get
        {
            var next = Instant.MaxValue;
            for (int list = 0; list < _lists; list++)
            {
                if (_head[list] != None)
                    next = Instant.Min(next, _records[_head[list]].Deadline);
            }
            return next;
        }
    }

    /// <summary>The slot of the record for <paramref name="key"/>, or -1.</summary>
    public int Find(in TcpFourTuple key)
    {
        if (Count == 0)
            return None;
        for (int slot = _buckets[Bucket(key)] - 1; slot != None; slot = _chain[slot])
        {
            ref var record = ref _records[slot];
            if (record.LocalPort == key.LocalPort && record.RemotePort == key.RemotePort
                && record.RemoteAddress == key.RemoteAddress && record.LocalAddress == key.LocalAddress)
            {
                return slot;
            }
        }
        return None;
    }

    /// <summary>The record in <paramref name="slot"/> (from <see cref="Find"/>), by reference.</summary>
    public ref TimeWaitRecord this[int slot] => ref _records[slot];

    /// <summary>
    /// Adds <paramref name="record"/> to expire <paramref name="length"/> after <paramref name="now"/> (its deadline is set);
    /// false when the table is at its limit. The 4-tuple must not be in the table.
    /// </summary>
    public bool TryAdd(in TimeWaitRecord record, Instant now, TimeSpan length)
    {
        if (Count >= Limit)
            return false;
        int slot = TakeSlot();
        ref var stored = ref _records[slot];
        stored = record;
        stored.Deadline = now + length;
        int bucket = Bucket(stored.Key);
        _chain[slot] = _buckets[bucket] - 1;
        _buckets[bucket] = slot + 1;
        int list = ListFor(length.Ticks);
        _listOf[slot] = (byte)list;
        Append(list, slot);
        Count++;
        return true;
    }

    /// <summary>Restarts the record's wait (RFC 9293 §3.10.7.4: a retransmitted FIN restarts the 2×MSL timeout).</summary>
    public void Restart(int slot, Instant now)
    {
        int list = _listOf[slot];
        _records[slot].Deadline = now + new TimeSpan(_length[list]);
        Unlink(list, slot);
        Append(list, slot);
    }

    /// <summary>Removes the record in <paramref name="slot"/> (reset, reopened by a new SYN, or expired).</summary>
    public void Remove(int slot)
    {
        int bucket = Bucket(_records[slot].Key);
        int previous = None;
        for (int at = _buckets[bucket] - 1; at != slot; at = _chain[at])
            previous = at;
        if (previous == None)
            _buckets[bucket] = _chain[slot] + 1;
        else
            _chain[previous] = _chain[slot];
        Unlink(_listOf[slot], slot);
        _records[slot] = default;
        _chain[slot] = _free;
        _free = slot;
        Count--;
        if (Count == 0)
            _lists = 0; // an empty table forgets its lengths
        if (Count < _records.Length / 4 && _records.Length > MinCapacity)
            Resize(_records.Length / 2);
    }

    /// <summary>Takes out one record whose deadline is at or before <paramref name="now"/>; false when none is due.</summary>
    public bool TryTakeExpired(Instant now, out TimeWaitRecord expired)
    {
        for (int list = 0; list < _lists; list++)
        {
            int head = _head[list];
            if (head != None && _records[head].Deadline <= now)
            {
                expired = _records[head];
                Remove(head);
                return true;
            }
        }
        expired = default;
        return false;
    }

    /// <summary>A copy of every record, oldest first per TIME-WAIT length (for listings, not the per-packet path).</summary>
    public TimeWaitRecord[] ToArray()
    {
        var all = new TimeWaitRecord[Count];
        int next = 0;
        for (int list = 0; list < _lists; list++)
        {
            for (int slot = _head[list]; slot != None; slot = _newer[slot])
                all[next++] = _records[slot];
        }
        return all;
    }

    /// <summary>True when a record uses local port <paramref name="port"/> (O(n), for choosing a port to listen on).</summary>
    public bool UsesLocalPort(ushort port)
    {
        for (int slot = 0; slot < _used; slot++)
        {
            if (_records[slot].LocalPort == port && _records[slot].RemotePort != 0)
                return true;
        }
        return false;
    }

    private int Bucket(in TcpFourTuple key) => key.GetHashCode() & (_buckets.Length - 1);

    private int ListFor(long length)
    {
        int nearest = 0;
        for (int list = 0; list < _lists; list++)
        {
            if (_length[list] == length)
                return list;
            if (Math.Abs(_length[list] - length) < Math.Abs(_length[nearest] - length))
                nearest = list;
        }
        if (_lists == MaxLists)
            return nearest;
        _length[_lists] = length;
        return _lists++;
    }

    private int TakeSlot()
    {
        if (_free != None)
        {
            int slot = _free;
            _free = _chain[slot];
            return slot;
        }
        if (_used == _records.Length)
            Resize(Math.Min(Math.Max(MinCapacity, _records.Length * 2), Math.Max(Limit, MinCapacity)));
        return _used++;
    }

    private void Append(int list, int slot)
    {
        _newer[slot] = None;
        _older[slot] = _tail[list];
        if (_tail[list] != None)
            _newer[_tail[list]] = slot;
        else
            _head[list] = slot;
        _tail[list] = slot;
    }

    private void Unlink(int list, int slot)
    {
        int older = _older[slot], newer = _newer[slot];
        if (older != None)
            _newer[older] = newer;
        else
            _head[list] = newer;
        if (newer != None)
            _older[newer] = older;
        else
            _tail[list] = older;
    }

    /// <summary>Moves every record into arrays of <paramref name="capacity"/> slots, packed, each list in its order.</summary>
    private void Resize(int capacity)
    {
        var records = new TimeWaitRecord[capacity];
        var chain = new int[capacity];
        var older = new int[capacity];
        var newer = new int[capacity];
        var listOf = new byte[capacity];
        var buckets = new int[BitOperations.RoundUpToPowerOf2((uint)capacity)];
        int next = 0;
        for (int list = 0; list < _lists; list++)
        {
            int previous = None;
            for (int slot = _head[list]; slot != None; slot = _newer[slot])
            {
                records[next] = _records[slot];
                listOf[next] = (byte)list;
                older[next] = previous;
                newer[next] = None;
                if (previous != None)
                    newer[previous] = next;
                else
                    _head[list] = next;
                int bucket = records[next].Key.GetHashCode() & (buckets.Length - 1);
                chain[next] = buckets[bucket] - 1;
                buckets[bucket] = next + 1;
                previous = next++;
            }
            _tail[list] = previous;
        }
        (_records, _chain, _older, _newer, _listOf, _buckets) = (records, chain, older, newer, listOf, buckets);
        _used = next;
        _free = None;
    }

    /// <summary>Bytes the table's arrays take now (for memory figures).</summary>
    public long AllocatedBytes =>
        (long)_records.Length * (Unsafe.SizeOf<TimeWaitRecord>() + 3 * sizeof(int) + 1) + (long)_buckets.Length * sizeof(int);
}
