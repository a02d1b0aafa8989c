using System.Buffers;
using System.Collections.Concurrent;
using Teeceepee.Links;
using Teeceepee.Stack.Sharding;

namespace Teeceepee.Stack;

// One loop of a NetworkStackGroup (issue 13 item 4): frames read from this loop's queue that another loop owns
// (FlowSharding) are copied to that loop's hand-over queue; frames every loop must see are copied to all of them.
// Loop threads only touch their own state; the queues are the only thing they share.
public sealed partial class NetworkStack
{
    /// <summary>Frames a loop's hand-over queue holds at most; more are dropped (<see cref="DropReason.HandoverQueueFull"/>).</summary>
    internal const int MaxHandoverQueue = 4096;

    private readonly ConcurrentQueue<HandedFrame> _handovers = new();
    private readonly FlowSharding? _sharding;
    private readonly int _loopIndex;
    private NetworkStack[]? _group;
    private int _handoverCount;

    /// <summary>This stack's loop in its <see cref="NetworkStackGroup"/> (0, the primary, when alone).</summary>
    public int LoopIndex => _loopIndex;

    /// <summary>The ownership rules of the group this stack is a loop of, or null when it runs alone.</summary>
    public FlowSharding? Sharding => _sharding;

    /// <summary>Called once by the group when every loop's stack exists.</summary>
    internal void JoinGroup(NetworkStack[] group) => _group = group;

    /// <summary>True while frames from other loops wait (any thread).</summary>
    private bool HasHandovers => Volatile.Read(ref _handoverCount) > 0;

    /// <summary>
    /// Ingress on a loop of a group: true when the frame belongs to another loop (now copied to it). A frame every
    /// loop must see is copied to the others and processed here as well (false).
    /// </summary>
    private bool HandOver(ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        int owner = _sharding!.Steer(frame, Medium, _loopIndex);
        if (owner == _loopIndex)
            return false;
        var group = _group!;
        if (owner == FlowSharding.Everyone)
        {
            for (int i = 0; i < group.Length; i++)
            {
                if (i != _loopIndex)
                    PassTo(group[i], frame, offload);
            }
            return false;
        }
        PassTo(group[owner], frame, offload);
        return true;
    }

    private void PassTo(NetworkStack owner, ReadOnlySpan<byte> frame, in LinkOffload offload)
    {
        if (Interlocked.Increment(ref owner._handoverCount) > MaxHandoverQueue)
        {
            Interlocked.Decrement(ref owner._handoverCount);
            Drop(DropReason.HandoverQueueFull, "loop", owner._loopIndex);
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buffer);
        owner._handovers.Enqueue(new HandedFrame(buffer, frame.Length, offload));
        _counters.FramesHandedOver++;
        // The count went up (a full fence) before the runner's flag is read: it sees the frame or we wake it.
        owner._runner?.Wake();
    }

    /// <summary>Processes what other loops handed over (those waiting now; later ones next poll).</summary>
    private void DrainHandovers(Instant now)
    {
        for (int n = Volatile.Read(ref _handoverCount); n > 0 && _handovers.TryDequeue(out var handed); n--)
        {
            Interlocked.Decrement(ref _handoverCount);
            _counters.FramesTakenOver++;
            _frameChecksumTrusted = handed.Offload.ChecksumTrusted;
            _superFrame = handed.Offload.GsoType != LinkGsoType.None;
            ProcessFrameGuarded(now, handed.Buffer.AsSpan(0, handed.Length));
            _frameChecksumTrusted = false;
            _superFrame = false;
            ArrayPool<byte>.Shared.Return(handed.Buffer);
        }
    }

    /// <summary>Returns the buffers of frames nobody will process (the stack is going away).</summary>
    private void DiscardHandovers()
    {
        while (_handovers.TryDequeue(out var handed))
        {
            Interlocked.Decrement(ref _handoverCount);
            ArrayPool<byte>.Shared.Return(handed.Buffer);
        }
    }
}
