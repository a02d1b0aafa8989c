using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// A pooled receive: copies in-order data from the TCB's receive buffer into the caller's memory on the
/// loop thread, or waits until some arrives; while it waits, arriving in-order text is copied straight
/// from the segment into its memory (<see cref="TakeText"/>). Completes with 0 at the peer's FIN.
/// </summary>
internal sealed class TcpReceiveOperation : LoopOperation<int>
{
    private TcpConnectionCore? _core;
    private Memory<byte> _buffer;
    private bool _stream;

    public ValueTask<int> Start(NetworkStack stack, TcpConnectionCore core, Memory<byte> buffer, bool stream, CancellationToken cancellationToken)
    {
        _core = core;
        _buffer = buffer;
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
        var error = Poll(core, _buffer.Span, out int n);
        if (error == SocketError.Success)
        {
            Complete(n);
            return true;
        }
        if (error == SocketError.WouldBlock)
            return false;
        Fail(TcpSocketErrors.Create(error, _stream));
        return true;
    }

    /// <summary>Takes text straight from an arriving segment and completes (loop thread); 0 when it cannot (done, or a zero-length read).</summary>
    public int TakeText(ReadOnlySpan<byte> text)
    {
        if (!IsPending || _buffer.IsEmpty || text.IsEmpty)
            return 0;
        int n = Math.Min(text.Length, _buffer.Length);
        text[..n].CopyTo(_buffer.Span);
        Complete(n);
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
    protected override void Unpark(NetworkStack stack) => _core?.RemoveReceiver(this);

    /// <inheritdoc />
    protected override void ResetState()
    {
        _core = null;
        _buffer = default;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<TcpReceiveOperation>.Return(this);
}
