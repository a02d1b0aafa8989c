using System.Buffers;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>One neighbour: its state, hardware address, timers and the bounded queue of frames waiting for it.</summary>
internal sealed class ArpEntry
{
    private readonly PendingFrame[] _queue;
    private int _head;

    public ArpEntry(int queueCapacity) => _queue = new PendingFrame[queueCapacity];

    public IPv4Address Address;
    public MacAddress HardwareAddress;
    public ArpState State;
    /// <summary>Reachable: when the mapping stops being trusted.</summary>
    public Instant ExpiresAt;
    /// <summary>When the next request (resolution or refresh) is due; <see cref="Instant.MaxValue"/> if none.</summary>
    public Instant NextRequestAt;
    /// <summary>Requests sent in the current resolution or refresh.</summary>
    public int RequestsSent;
    /// <summary>Reachable: a refresh is in progress.</summary>
    public bool Refreshing;
    /// <summary>When the entry was last confirmed (for eviction).</summary>
    public Instant UpdatedAt;

    /// <summary>Frames waiting.</summary>
    public int QueuedCount { get; private set; }

    /// <summary>Queues a copy of a frame; when full, the oldest is dropped (returns true if one was).</summary>
    public bool Enqueue(ReadOnlySpan<byte> frame, in Links.LinkOffload offload = default)
    {
        bool dropped = false;
        if (QueuedCount == _queue.Length)
        {
            ArrayPool<byte>.Shared.Return(_queue[_head].Buffer);
            _queue[_head] = default;
            _head = (_head + 1) % _queue.Length;
            QueuedCount--;
            dropped = true;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buffer);
        _queue[(_head + QueuedCount) % _queue.Length] = new PendingFrame(buffer, frame.Length, offload);
        QueuedCount++;
        return dropped;
    }

    /// <summary>Takes the oldest waiting frame; the caller returns its buffer to <see cref="ArrayPool{T}.Shared"/>.</summary>
    public bool TryDequeue(out PendingFrame frame)
    {
        if (QueuedCount == 0)
        {
            frame = default;
            return false;
        }
        frame = _queue[_head];
        _queue[_head] = default;
        _head = (_head + 1) % _queue.Length;
        QueuedCount--;
        return true;
    }

    /// <summary>Drops every waiting frame; returns how many there were.</summary>
    public int ClearQueue()
    {
        int n = QueuedCount;
        while (TryDequeue(out var f))
            ArrayPool<byte>.Shared.Return(f.Buffer);
        return n;
    }
}
