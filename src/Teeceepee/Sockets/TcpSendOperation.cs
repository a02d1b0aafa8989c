using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// A pooled send: copies the caller's bytes straight into the TCB's send buffer on the loop thread,
/// as much as fits now and the rest as ACKs free space, and completes once all are queued. The bytes
/// may be one block or a sequence of them (a pipe's segments): each is copied into the buffer in turn,
/// in one loop command, without gathering them first. Bytes in a <see cref="RetainableBlock"/> are not copied at all: the
/// send buffer holds the block until ACKs pass them.
/// </summary>
internal sealed class TcpSendOperation : TcpConnectionOperation<int>
{
    private ReadOnlySequence<byte> _rest;
    private int _sent;

    public ValueTask<int> Start(NetworkStack stack, TcpConnectionCore core, ReadOnlyMemory<byte> buffer, bool stream, CancellationToken cancellationToken) =>
        Start(stack, core, new ReadOnlySequence<byte>(buffer), stream, cancellationToken);

    /// <summary>Sends every segment of <paramref name="buffers"/> (at most <see cref="int.MaxValue"/> bytes) in order.</summary>
    public ValueTask<int> Start(NetworkStack stack, TcpConnectionCore core, in ReadOnlySequence<byte> buffers, bool stream, CancellationToken cancellationToken)
    {
        _rest = buffers;
        _sent = 0;
        return Start(stack, core, stream, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now) => Core!.Send(this);

    /// <summary>Queues what fits; true once the operation completed (loop thread).</summary>
    public bool TryComplete(TcpConnectionCore core)
    {
        if (!IsPending)
            return true;
        // Walk the blocks once; the sequence is cut only where this turn stopped.
        var error = _rest.IsEmpty ? Poll(core, default, out _) : SocketError.Success;
        long queued = 0;
        var cursor = _rest.Start;
        while (_rest.TryGet(ref cursor, out var block))
        {
            if (block.IsEmpty)
                continue;
            // A block TCP may hold by reference (Kestrel's output blocks) is queued as it is, without a copy.
            error = MemoryMarshal.TryGetMemoryManager(block, out RetainableBlock? owner, out int start, out int length)
                ? Poll(core, owner, start, length, out int n)
                : Poll(core, block.Span, out n);
            queued += n;
            if (error != SocketError.Success || n < block.Length)
                break;
        }
        _sent += (int)queued;
        _rest = queued == _rest.Length ? default : _rest.Slice(queued);
        if (error == SocketError.Success && _rest.IsEmpty)
        {
            Complete(_sent);
            return true;
        }
        if (error is SocketError.Success or SocketError.WouldBlock)
            return false;
        Fail(error);
        return true;
    }

    /// <summary>
    /// One non-blocking send of <paramref name="data"/> (loop thread): Success with the bytes
    /// queued (possibly fewer than offered), WouldBlock when none fit, or the error to report.
    /// </summary>
    public static SocketError Poll(TcpConnectionCore core, ReadOnlySpan<byte> data, out int sent)
    {
        sent = 0;
        var error = CanSend(core);
        if (error != SocketError.Success || data.IsEmpty)
            return error;
        sent = core.Tcb!.Send(data);
        return sent > 0 ? SocketError.Success : SocketError.WouldBlock;
    }

    /// <summary>As <see cref="Poll(TcpConnectionCore, ReadOnlySpan{byte}, out int)"/> for bytes of a block queued by reference.</summary>
    private static SocketError Poll(TcpConnectionCore core, RetainableBlock block, int start, int length, out int sent)
    {
        sent = 0;
        var error = CanSend(core);
        if (error != SocketError.Success || length == 0)
            return error;
        sent = core.Tcb!.Send(block, start, length);
        return sent > 0 ? SocketError.Success : SocketError.WouldBlock;
    }

    private static SocketError CanSend(TcpConnectionCore core)
    {
        if (core.Closed)
            return SocketError.OperationAborted;
        var tcb = core.Tcb;
        if (tcb is null)
            return SocketError.NotConnected;
        if (tcb.Error != TcpError.None)
            return TcpSocketErrors.ToSocketError(tcb.Error);
        if (core.SendShutdown && !core.SendShutdownPending || !tcb.IsSendOpen)
            return tcb.State == TcpState.Closed && !core.SendShutdown ? SocketError.ConnectionReset : SocketError.Shutdown;
        return SocketError.Success;
    }

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack) => Core?.RemoveSender(this);

    /// <inheritdoc />
    protected override void ResetState()
    {
        base.ResetState();
        _rest = default;
    }

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<TcpSendOperation>.Return(this);
}
