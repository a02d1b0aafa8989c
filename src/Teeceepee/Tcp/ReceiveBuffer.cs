using System.Buffers;

namespace Teeceepee.Tcp;

/// <summary>Receive-side ring with out-of-order reassembly (RFC 9293 §3.10.7.4; RFC 2018 for SACK ranges).</summary>
/// <remarks>
/// <para>In-order bytes occupy the ring from <c>_head</c> for <see cref="Count"/> bytes; RCV.NXT is the
/// position right after them, and a byte <c>k</c> octets past RCV.NXT lives at ring index
/// <c>_head + Count + k</c>. Out-of-order data is copied straight to its final place, so turning it
/// in-order later costs no copy.</para>
/// <para>Memory is bounded: the ring never holds more than <see cref="Capacity"/> bytes (data beyond
/// the window is trimmed) and at most <see cref="OutOfOrderRangeLimit"/> disjoint out-of-order ranges
/// are tracked (one per KiB of capacity, at least <see cref="InitialOutOfOrderRanges"/>: Linux bounds its out-of-order
/// queue by the receive buffer's memory too). A segment that would open one more range is dropped and reported
/// (the newest non-adjacent data goes, the sender retransmits it); data at RCV.NXT or touching a known range is
/// always accepted, so the connection always makes progress and SACKed data is never reneged on
/// (RFC 2018 §8). No call allocates: the range table is rented from the shared pool with the first hole
/// (<see cref="InitialOutOfOrderRanges"/>, grown by renting a bigger one up to <see cref="OutOfOrderRangeLimit"/>) and
/// returned when the last hole fills, and the ring is rented on the first write and returned as soon as it is drained
/// (no in-order or out-of-order byte held), so an idle connection holds neither (issue 13 item 2).</para>
/// </remarks>
public sealed class ReceiveBuffer
{
    /// <summary>The range table's size at the first hole, and the least <see cref="OutOfOrderRangeLimit"/>.</summary>
    public const int InitialOutOfOrderRanges = 32;

    // One range per KiB of capacity: an 8 MB buffer holds 8,192 holes (every other segment lost over 24 MB of window
    // would need more; the table then costs 24 octets per KiB of buffer, 2.3 %).
    private const int CapacityPerRange = 1024;

    private OutOfOrderRange[] _ranges = [];   // rented with the first hole, grown on demand, returned with the last: an in-order connection holds none
    private byte[]? _storage;
    private int _head;        // ring index of the oldest unread in-order byte
    private int _count;       // unread in-order bytes
    private long _next;       // stream position of RCV.NXT; ranges use the same positions
    private int _rangeCount;  // ranges sorted by Start, disjoint and non-adjacent
    private long _stamp;      // recency counter for the RFC 2018 §4 ordering

    /// <summary>Creates a buffer; storage is rented lazily from <see cref="RingPool"/> on first write.</summary>
    public ReceiveBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        OutOfOrderRangeLimit = Math.Max(InitialOutOfOrderRanges, capacity / CapacityPerRange);
    }

    /// <summary>The most disjoint out-of-order ranges held at once (one per KiB of <see cref="Capacity"/>, at least 32).</summary>
    public int OutOfOrderRangeLimit { get; }

    /// <summary>Maximum bytes held.</summary>
    public int Capacity { get; }

    /// <summary>In-order bytes ready for the application.</summary>
    public int Count => _count;

    /// <summary>Capacity - Count: free space the receiver may advertise.</summary>
    public int Window => Capacity - _count;

    /// <summary>True when data beyond a hole is held.</summary>
    public bool HasOutOfOrderData => _rangeCount > 0;

    /// <summary>Number of separate out-of-order ranges held (each becomes a SACK block, RFC 2018).</summary>
    public int OutOfOrderRangeCount => _rangeCount;

    /// <summary>Stores data starting <paramref name="offset"/> bytes after RCV.NXT (bytes beyond <see cref="Window"/> are trimmed); returns how many bytes became contiguous at RCV.NXT.</summary>
    public int Write(int offset, ReadOnlySpan<byte> data) => Write(offset, data, out _);

    /// <summary>
    /// As <see cref="Write(int, ReadOnlySpan{byte})"/>; <paramref name="dropped"/> is true when the data would have opened
    /// a range past <see cref="OutOfOrderRangeLimit"/> and was not stored.
    /// </summary>
    public int Write(int offset, ReadOnlySpan<byte> data, out bool dropped)
    {
        dropped = false;
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        int window = Window;
        if (offset >= window || data.IsEmpty)
            return 0;
        int length = Math.Min(data.Length, window - offset);
        long start = _next + offset;
        long end = start + length;

        // Find the ranges the new data overlaps or touches: [first, last].
        int first = 0;
        while (first < _rangeCount && _ranges[first].End < start)
            first++;
        int last = first - 1;
        while (last + 1 < _rangeCount && _ranges[last + 1].Start <= end)
            last++;

        if (last < first)
        {
            if (offset == 0)
            {
                // In order and touching no held range: straight to the application.
                CopyIn(0, data[..length]);
                _next = end;
                _count += length;
                return length;
            }
            // A new disjoint range: beyond the bound, drop it (the sender retransmits).
            if (_rangeCount == OutOfOrderRangeLimit)
            {
                dropped = true;
                return 0;
            }
            if (_rangeCount == _ranges.Length)
                GrowRanges();
            Array.Copy(_ranges, first, _ranges, first + 1, _rangeCount - first);
            _rangeCount++;
            _ranges[first] = new OutOfOrderRange(start, end, ++_stamp);
        }
        else
        {
            var merged = new OutOfOrderRange(Math.Min(start, _ranges[first].Start), Math.Max(end, _ranges[last].End), ++_stamp);
            int removed = last - first;
            if (removed > 0)
            {
                Array.Copy(_ranges, last + 1, _ranges, first + 1, _rangeCount - last - 1);
                _rangeCount -= removed;
            }
            _ranges[first] = merged;
        }

        CopyIn(offset, data[..length]);

        // The lowest range starting at RCV.NXT is now in order.
        if (_ranges[0].Start != _next)
            return 0;
        int contiguous = (int)(_ranges[0].End - _next);
        _next = _ranges[0].End;
        _count += contiguous;
        _rangeCount--;
        Array.Copy(_ranges, 1, _ranges, 0, _rangeCount);
        if (_rangeCount == 0)
            ReturnRanges(); // the last hole filled: no table until the next one
        return contiguous;
    }

    /// <summary>Consumes in-order bytes; returns the count read.</summary>
    public int Read(Span<byte> destination)
    {
        int n = Peek(destination);
        if (n == 0)
            return 0;
        _count -= n;
        _head += n;
        if (_head >= _storage!.Length)
            _head -= _storage.Length;
        if (_count == 0 && _rangeCount == 0)
            ReturnStorage(); // drained: an idle connection holds no ring; later data copies in one piece
        return n;
    }

    /// <summary>True when nothing is held (no in-order or out-of-order byte): in-order data may bypass the ring.</summary>
    public bool IsEmpty => _count == 0 && _rangeCount == 0;

    /// <summary>True while the ring's storage is rented (data is held, or was until the last read).</summary>
    public bool HasStorage => _storage is not null;

    /// <summary>True while the out-of-order range table is rented (a hole is open).</summary>
    public bool HasOutOfOrderTable => _ranges.Length != 0;

    /// <summary>
    /// Moves RCV.NXT past <paramref name="count"/> in-order bytes that went straight to the application
    /// without entering the ring (allowed only while <see cref="IsEmpty"/>).
    /// </summary>
    public void Bypass(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!IsEmpty)
            throw new InvalidOperationException("Only an empty receive buffer can be bypassed.");
        _next += count;
    }

    /// <summary>Copies in-order bytes without consuming them; returns the count copied.</summary>
    public int Peek(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _count);
        if (n == 0)
            return 0;
        var storage = _storage!;
        int first = Math.Min(n, storage.Length - _head);
        storage.AsSpan(_head, first).CopyTo(destination);
        storage.AsSpan(0, n - first).CopyTo(destination[first..]);
        return n;
    }

    /// <summary>True when [offset, offset + length) past RCV.NXT is already held out of order (a duplicate, RFC 2883).</summary>
    public bool HoldsOutOfOrder(int offset, int length)
    {
        long start = _next + offset, end = start + length;
        for (int i = 0; i < _rangeCount; i++)
        {
            if (_ranges[i].Start <= start && _ranges[i].End >= end)
                return true;
        }
        return false;
    }

    /// <summary>Out-of-order ranges relative to RCV.NXT, most recently updated first (RFC 2018 §4); returns count written.</summary>
    public int GetOutOfOrderRanges(Span<(int Start, int End)> destination)
    {
        // Selection by recency: destination is a handful of SACK blocks, the ranges a bounded few.
        int written = 0;
        long below = long.MaxValue;
        while (written < destination.Length)
        {
            int best = -1;
            for (int i = 0; i < _rangeCount; i++)
            {
                if (_ranges[i].Stamp < below && (best < 0 || _ranges[i].Stamp > _ranges[best].Stamp))
                    best = i;
            }
            if (best < 0)
                break;
            below = _ranges[best].Stamp;
            destination[written++] = ((int)(_ranges[best].Start - _next), (int)(_ranges[best].End - _next));
        }
        return written;
    }

    /// <summary>Returns storage to the pool; the buffer is empty and reusable.</summary>
    public void Release()
    {
        if (_storage is not null)
            RingPool.Rings.Return(_storage);
        _storage = null;
        _head = 0;
        _count = 0;
        _next = 0;
        _rangeCount = 0;
        _stamp = 0;
        ReturnRanges();
    }

    private void GrowRanges()
    {
        int size = Math.Min(OutOfOrderRangeLimit, Math.Max(InitialOutOfOrderRanges, 2 * _ranges.Length));
        var bigger = ArrayPool<OutOfOrderRange>.Shared.Rent(size);
        Array.Copy(_ranges, bigger, _rangeCount);
        if (_ranges.Length > 0)
            ArrayPool<OutOfOrderRange>.Shared.Return(_ranges);
        _ranges = bigger;
    }

    private void ReturnRanges()
    {
        if (_ranges.Length == 0)
            return;
        ArrayPool<OutOfOrderRange>.Shared.Return(_ranges);
        _ranges = [];
    }

    private void ReturnStorage()
    {
        _head = 0;
        if (_storage is null)
            return;
        RingPool.Rings.Return(_storage);
        _storage = null;
    }

    private void CopyIn(int offset, ReadOnlySpan<byte> data)
    {
        var storage = _storage ??= RingPool.Rings.Rent(Capacity);
        int index = (int)(((long)_head + _count + offset) % storage.Length);
        int first = Math.Min(data.Length, storage.Length - index);
        data[..first].CopyTo(storage.AsSpan(index));
        data[first..].CopyTo(storage);
    }

    private readonly record struct OutOfOrderRange(long Start, long End, long Stamp);
}
