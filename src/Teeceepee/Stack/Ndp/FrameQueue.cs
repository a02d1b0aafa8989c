using System.Buffers;
using Teeceepee.Links;

namespace Teeceepee.Stack.Ndp;

/// <summary>A bounded FIFO of pooled frame copies waiting for a neighbour (oldest dropped when full).</summary>
internal sealed class FrameQueue(int capacity)
{
    private readonly PendingFrame[] _items = new PendingFrame[Math.Max(1, capacity)];
    private int _head;

    /// <summary>Frames waiting.</summary>
    public int Count { get; private set; }

    /// <summary>Queues a copy of <paramref name="frame"/>; true when the oldest had to be dropped for it.</summary>
    public bool Enqueue(ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        bool dropped = false;
        if (Count == _items.Length)
        {
            ArrayPool<byte>.Shared.Return(_items[_head].Buffer);
            _items[_head] = default;
            _head = (_head + 1) % _items.Length;
            Count--;
            dropped = true;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buffer);
        _items[(_head + Count) % _items.Length] = new PendingFrame(buffer, frame.Length, offload);
        Count++;
        return dropped;
    }

    /// <summary>Takes the oldest frame; the caller returns its buffer to the shared pool.</summary>
    public bool TryDequeue(out PendingFrame frame)
    {
        if (Count == 0)
        {
            frame = default;
            return false;
        }
        frame = _items[_head];
        _items[_head] = default;
        _head = (_head + 1) % _items.Length;
        Count--;
        return true;
    }

    /// <summary>Drops every frame; returns how many there were.</summary>
    public int Clear()
    {
        int n = Count;
        while (TryDequeue(out var f))
            ArrayPool<byte>.Shared.Return(f.Buffer);
        return n;
    }
}
