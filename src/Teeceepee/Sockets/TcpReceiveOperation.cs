using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// A pooled receive: copies in-order data from the TCB's receive buffer into the caller's memory on the
/// loop thread, or waits until some arrives; while it waits, arriving in-order text is copied straight
/// from the segments into its memory (<see cref="TakeText"/>), every segment of one poll that fits, and the
/// receive completes once that poll's segments are done. Completes with 0 at the peer's FIN.
/// </summary>
internal sealed class TcpReceiveOperation : LoopOperation<int>, ITcpReceiveWaiter
{
    private TcpConnectionCore? _core;
    private Memory<byte> _buffer;
    private int _filled; // bytes TakeText copied in this poll, not yet completed
    private bool _stream;

    public ValueTask<int> Start(NetworkStack stack, TcpConnectionCore core, Memory<byte> buffer, bool stream, CancellationToken cancellationToken)
    {
        _core = core;
        _buffer = buffer;
        _filled = 0;
        _stream = stream;
        return Start(stack, core.InlineCompletions, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now) => _core!.Receive(this);

    /// <summary>Completes the operation if it can complete now (loop thread); false leaves it parked.</summary>
    public bool TryComplete(TcpConnectionCore core)
    {
        if (!IsPending)
            return true;
        // Anything the ring got after the text taken straight (the rest of a segment, a filled hole) follows it.
        var error = Poll(core, _buffer.Span[_filled..], out int n);
        if (error == SocketError.Success)
        {
            Complete(_filled + n);
            return true;
        }
        if (_filled > 0)
        {
            // Bytes already taken from the stream are delivered first; an error shows on the next call.
            Complete(_filled);
            return true;
        }
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
        int n = Math.Min(text.Length, _buffer.Length - _filled);
        if (n <= 0)
            return 0;
        text[..n].CopyTo(_buffer.Span[_filled..]);
        _filled += n;
        return n;
    }

    /// <summary>
    /// One non-blocking receive into <paramref name="destination"/> (loop thread): Success with the
    /// count (0 at end of stream), WouldBlock when nothing is ready yet, or the error to report.
    /// A zero-length destination completes once data or the end is ready, without consuming anything.
    /// </summary>
    public static SocketError Poll(TcpConnectionCore core, Span<byte> destination, out int received)
    {
        received = 0;
        if (core.Closed)
            return SocketError.OperationAborted;
        var tcb = core.Tcb;
        if (tcb is null)
            return SocketError.NotConnected;
        if (core.ReceiveShutdown)
            return SocketError.Success;
        if (tcb.CanReceive)
        {
            received = tcb.Receive(destination);
            return SocketError.Success;
        }
        if (tcb.Error != TcpError.None)
            return TcpSocketErrors.ToSocketError(tcb.Error);
        if (tcb.IsReceiveFinished)
            return SocketError.Success;
        return SocketError.WouldBlock;
    }

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack)
    {
        _core?.RemoveReceiver(this);
        // Cancelled after it took bytes off the stream in this poll: they are the caller's, so it completes with them.
        if (_filled > 0)
            Complete(_filled);
    }

    /// <inheritdoc />
    protected override void ResetState()
    {
        _core = null;
        _buffer = default;
        _filled = 0;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<TcpReceiveOperation>.Return(this);
}
