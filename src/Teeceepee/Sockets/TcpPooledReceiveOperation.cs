using System.Buffers;
using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// A receive that waits without memory (issue 13 item 4): it rents its buffer from the stack's trimmed pool
/// (<see cref="RingPool.Rings"/>, which keeps 256 arrays per size where <see cref="ArrayPool{T}.Shared"/> keeps a few
/// dozen, so 100 flows each holding one during a poll do not allocate) only when data is there, either in the TCB's receive ring when it runs or arriving while it waits, when the segments'
/// text is copied straight into it (<see cref="TakeText"/>, once per byte). So an idle connection holds no buffer, as
/// with a zero-byte wait, and bulk data is copied once, as with a waiting read (io_uring's provided buffers are the
/// same idea). Completes with an empty <see cref="TcpReceivedBuffer"/> at the peer's FIN.
/// </summary>
internal sealed class TcpPooledReceiveOperation : LoopOperation<TcpReceivedBuffer>, ITcpReceiveWaiter
{
    private TcpConnectionCore? _core;
    private byte[]? _array;
    private int _maxLength;
    private int _filled;
    private bool _stream;

    public ValueTask<TcpReceivedBuffer> Start(NetworkStack stack, TcpConnectionCore core, int maxLength, bool stream, CancellationToken cancellationToken)
    {
        _core = core;
        _maxLength = maxLength;
        _array = null;
        _filled = 0;
        _stream = stream;
        return Start(stack, core.InlineCompletions, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now) => _core!.Receive(this);

    /// <inheritdoc />
    public bool TryComplete(TcpConnectionCore core)
    {
        if (!IsPending)
            return true;
        // Rent only when the ring has bytes to give: otherwise the poll below reports the end, an error, or nothing yet.
        if (_array is null && !core.Closed && !core.ReceiveShutdown && core.Tcb is { CanReceive: true })
            _array = RingPool.Rings.Rent(_maxLength);
        var destination = _array is null ? Span<byte>.Empty : _array.AsSpan(_filled, Math.Min(_array.Length, _maxLength) - _filled);
        var error = TcpReceiveOperation.Poll(core, destination, out int n);
        if (error == SocketError.Success || _filled > 0)
        {
            // Bytes already taken off the stream are delivered first; an error shows on the next call.
            CompleteWith(_filled + (error == SocketError.Success ? n : 0));
            return true;
        }
        ReturnArray();
        if (error == SocketError.WouldBlock)
            return false;
        Fail(TcpSocketErrors.Create(error, _stream));
        return true;
    }

    /// <inheritdoc />
    public int TakeText(ReadOnlySpan<byte> text)
    {
        if (!IsPending || text.IsEmpty)
            return 0;
        _array ??= RingPool.Rings.Rent(_maxLength);
        int n = Math.Min(text.Length, Math.Min(_array.Length, _maxLength) - _filled);
        if (n <= 0)
            return 0;
        text[..n].CopyTo(_array.AsSpan(_filled));
        _filled += n;
        return n;
    }

    private void CompleteWith(int length)
    {
        if (length == 0)
            ReturnArray();
        var array = _array;
        _array = null;
        Complete(new TcpReceivedBuffer(array, length));
    }

    private void ReturnArray()
    {
        if (_array is not null)
            RingPool.Rings.Return(_array);
        _array = null;
    }

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack)
    {
        _core?.RemoveReceiver(this);
        // Cancelled after it took bytes off the stream in this poll: they are the caller's, so it completes with them.
        if (_filled > 0)
            CompleteWith(_filled);
        else
            ReturnArray();
    }

    /// <inheritdoc />
    protected override void ResetState()
    {
        _core = null;
        _filled = 0;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<TcpPooledReceiveOperation>.Return(this);
}
