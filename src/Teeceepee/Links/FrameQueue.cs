using System.Buffers;
using Teeceepee.Interop;

namespace Teeceepee.Links;

/// <summary>
/// A bounded FIFO of frames between two threads (one writer, one reader), each frame in a pooled
/// buffer that is kept for reuse. Optionally keeps an eventfd readable exactly while frames wait.
/// </summary>
internal sealed class FrameQueue : IDisposable
{
    private readonly Lock _lock = new();
    private readonly byte[]?[] _slots;
    private readonly int[] _lengths;
    private readonly int _maxFrameLength;
    private readonly EventFd? _signal;
    private int _head;
    private int _count;
    private bool _disposed;

    internal FrameQueue(int capacity, int maxFrameLength, bool withEventFd)
    {
        _slots = new byte[]?[capacity];
        _lengths = new int[capacity];
        _maxFrameLength = maxFrameLength;
        _signal = withEventFd ? new EventFd() : null;
    }

    /// <summary>The eventfd that polls readable while frames wait, or -1 (also once disposed).</summary>
    internal int Fd => _disposed ? -1 : _signal?.Fd ?? -1;

    /// <summary>Frames waiting.</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    /// <summary>Appends a copy of <paramref name="frame"/>; false when the queue is full or closed.</summary>
    internal bool TryEnqueue(ReadOnlySpan<byte> frame) => TryEnqueue(new LinkFrame(frame));

    /// <summary>Copies the frame's pieces into the next slot; false when the queue is full or disposed.</summary>
    internal bool TryEnqueue(in LinkFrame frame)
    {
        lock (_lock)
        {
            if (_disposed || _count == _slots.Length)
                return false;
            int tail = (_head + _count) % _slots.Length;
            byte[] slot = _slots[tail] ??= ArrayPool<byte>.Shared.Rent(_maxFrameLength);
            frame.CopyTo(slot);
            _lengths[tail] = frame.Length;
            _count++;
            // Empty -> non-empty: make the fd readable. Done under the lock so it can't race the reset below.
            if (_count == 1)
                _signal?.Signal();
            return true;
        }
    }

    /// <summary>Moves the oldest frame into <paramref name="buffer"/> (truncating if it is shorter); false when empty.</summary>
    internal bool TryDequeue(Span<byte> buffer, out int length)
    {
        lock (_lock)
        {
            if (_disposed || _count == 0)
            {
                length = 0;
                return false;
            }
            byte[] slot = _slots[_head]!;
            length = Math.Min(_lengths[_head], buffer.Length);
            slot.AsSpan(0, length).CopyTo(buffer);
            _head = (_head + 1) % _slots.Length;
            _count--;
            if (_count == 0)
                _signal?.Reset();
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            for (int i = 0; i < _slots.Length; i++)
            {
                if (_slots[i] is { } slot)
                    ArrayPool<byte>.Shared.Return(slot);
                _slots[i] = null;
            }
            _count = 0;
            _signal?.Dispose();
        }
    }
}
