using System.Buffers;

namespace Teeceepee.Links;

/// <summary>
/// A bounded set of frames waiting for their release instant, taken in (release, arrival) order.
/// Buffers are rented once per slot and reused; adding and taking do not allocate.
/// </summary>
internal sealed class DelayQueue : IDisposable
{
    private readonly byte[]?[] _buffers;
    private readonly int[] _lengths;
    private readonly Instant[] _release;
    private readonly long[] _order;
    private readonly int[] _heap;
    private readonly int[] _free;
    private readonly int _maxFrameLength;
    private int _count;
    private int _freeCount;
    private long _nextOrder;

    internal DelayQueue(int capacity, int maxFrameLength)
    {
        _buffers = new byte[]?[capacity];
        _lengths = new int[capacity];
        _release = new Instant[capacity];
        _order = new long[capacity];
        _heap = new int[capacity];
        _free = new int[capacity];
        for (int i = 0; i < capacity; i++)
            _free[i] = capacity - 1 - i;
        _freeCount = capacity;
        _maxFrameLength = maxFrameLength;
    }

    /// <summary>Frames held.</summary>
    internal int Count => _count;

    /// <summary>The earliest release instant, or <see cref="Instant.MaxValue"/> when empty.</summary>
    internal Instant NextRelease => _count == 0 ? Instant.MaxValue : _release[_heap[0]];

    /// <summary>Holds a copy of <paramref name="frame"/> until <paramref name="release"/>; false when full.</summary>
    internal bool TryAdd(ReadOnlySpan<byte> frame, Instant release)
    {
        if (_freeCount == 0)
            return false;
        int slot = _free[--_freeCount];
        byte[] buffer = _buffers[slot] ??= ArrayPool<byte>.Shared.Rent(Math.Max(_maxFrameLength, frame.Length));
        if (buffer.Length < frame.Length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = _buffers[slot] = ArrayPool<byte>.Shared.Rent(frame.Length);
        }
        frame.CopyTo(buffer);
        _lengths[slot] = frame.Length;
        _release[slot] = release;
        _order[slot] = _nextOrder++;
        int i = _count++;
        _heap[i] = slot;
        SiftUp(i);
        return true;
    }

    /// <summary>The earliest frame if its release instant is not after <paramref name="now"/>.</summary>
    internal bool TryPeekDue(Instant now, out ReadOnlySpan<byte> frame)
    {
        if (_count == 0 || _release[_heap[0]] > now)
        {
            frame = default;
            return false;
        }
        int slot = _heap[0];
        frame = _buffers[slot].AsSpan(0, _lengths[slot]);
        return true;
    }

    /// <summary>Removes the earliest frame (after <see cref="TryPeekDue"/>).</summary>
    internal void RemoveFirst()
    {
        int slot = _heap[0];
        _free[_freeCount++] = slot;
        _heap[0] = _heap[--_count];
        if (_count > 0)
            SiftDown(0);
    }

    private bool Before(int a, int b) =>
        _release[a] < _release[b] || (_release[a] == _release[b] && _order[a] < _order[b]);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Before(_heap[i], _heap[parent]))
                break;
            (_heap[i], _heap[parent]) = (_heap[parent], _heap[i]);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int left = 2 * i + 1, smallest = i;
            if (left < _count && Before(_heap[left], _heap[smallest]))
                smallest = left;
            if (left + 1 < _count && Before(_heap[left + 1], _heap[smallest]))
                smallest = left + 1;
            if (smallest == i)
                return;
            (_heap[i], _heap[smallest]) = (_heap[smallest], _heap[i]);
            i = smallest;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (int i = 0; i < _buffers.Length; i++)
        {
            if (_buffers[i] is { } buffer)
                ArrayPool<byte>.Shared.Return(buffer);
            _buffers[i] = null;
        }
        _count = 0;
        _freeCount = 0;
    }
}
