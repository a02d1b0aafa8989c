using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// A pooled receive into the caller's memory: copies in-order data from the TCB's receive buffer on the loop thread, or
/// waits until some arrives, taking arriving text straight from the segments (<see cref="TcpReceiveOperationBase{TResult}"/>).
/// Completes with 0 at the peer's FIN.
/// </summary>
internal sealed class TcpReceiveOperation : TcpReceiveOperationBase<int>
{
    private Memory<byte> _buffer;

    public ValueTask<int> Start(NetworkStack stack, TcpConnectionCore core, Memory<byte> buffer, bool stream, CancellationToken cancellationToken)
    {
        _buffer = buffer;
        return StartReceive(stack, core, stream, cancellationToken);
    }

    /// <inheritdoc />
    protected override Span<byte> Room(int filled, bool bytesWaiting) => _buffer.Span[filled..];

    /// <inheritdoc />
    protected override void CompleteWith(int length) => Complete(length);

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
    protected override void ResetState()
    {
        base.ResetState();
        _buffer = default;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<TcpReceiveOperation>.Return(this);
}
