using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;

namespace Teeceepee.Sockets;

/// <summary>A pooled accept: takes an established connection from the listener's queue, or waits for one.</summary>
internal sealed class TcpAcceptOperation : LoopOperation<TcpConnection>
{
    private TcpListenerCore? _core;

    public ValueTask<TcpConnection> Start(NetworkStack stack, TcpListenerCore core, CancellationToken cancellationToken)
    {
        _core = core;
        return Start(stack, core.Options.UnsafeInlineCompletions, cancellationToken);
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now) => _core!.Accept(this);

    /// <summary>Completes the operation if a connection is ready or the listener stopped (loop thread).</summary>
    public bool TryComplete(TcpListenerCore core)
    {
        if (!IsPending)
            return true;
        var error = core.TryAccept(out var connection);
        if (error == SocketError.WouldBlock)
            return false;
        if (error == SocketError.Success)
            Complete(connection!);
        else
            Fail(new SocketException((int)error));
        return true;
    }

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack) => _core?.Remove(this);

    /// <inheritdoc />
    protected override void ResetState() => _core = null;

    /// <inheritdoc />
    protected override void ReturnToPool() => LoopOperationPool<TcpAcceptOperation>.Return(this);
}
