using System.Buffers;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// A receive that waits without memory (issue 13 item 4): it rents its buffer from the stack's trimmed pool
/// (<see cref="RingPool.Rings"/>, which keeps 256 arrays per size where <see cref="ArrayPool{T}.Shared"/> keeps a few
/// dozen, so 100 flows each holding one during a poll do not allocate) only when bytes are there to take: in-order bytes
/// in the TCB's receive ring when the connection is served, or a segment's text arriving while it waits, copied straight
/// into the array (once per byte). A wake-up without data (an ACK, a segment beyond a hole) rents nothing. So an idle
/// connection holds no buffer, as with a zero-byte wait, and bulk data is copied once, as with a waiting read (io_uring's
/// provided buffers are the same idea). Completes with an empty <see cref="TcpReceivedBuffer"/> at the peer's FIN.
/// </summary>
internal sealed class TcpPooledReceiveOperation : TcpReceiveOperationBase<TcpReceivedBuffer>
{
    private byte[]? _array;
    private int _maxLength;

    public ValueTask<TcpReceivedBuffer> Start(NetworkStack stack, TcpConnectionCore core, int maxLength, bool stream, CancellationToken cancellationToken)
    {
        _maxLength = maxLength;
        _array = null;
        return StartReceive(stack, core, stream, cancellationToken);
    }

    /// <inheritdoc />
    protected override Span<byte> Room(int filled, bool bytesWaiting)
    {
        if (_array is null && bytesWaiting)
            _array = RingPool.Rings.Rent(_maxLength);
        return _array is null ? Span<byte>.Empty : _array.AsSpan(filled, Math.Min(_array.Length, _maxLength) - filled);
    }

    /// <inheritdoc />
    protected override void CompleteWith(int length)
    {
        if (length == 0)
            ReleaseRoom();
        var array = _array;
        _array = null;
        Complete(new TcpReceivedBuffer(array, length));
    }

    /// <inheritdoc />
    protected override void ReleaseRoom()
    {
        if (_array is not null)
            RingPool.Rings.Return(_array);
        _array = null;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<TcpPooledReceiveOperation>.Return(this);
}
