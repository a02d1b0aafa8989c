using System.Net.Sockets;
using System.Threading.Tasks.Sources;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>An active open: creates the TCB on the loop and completes when the handshake does (not pooled: one per connection).</summary>
internal sealed class TcpConnectOperation : LoopOperation<bool>, IValueTaskSource
{
    private readonly TcpConnectionCore _core;
    private readonly TcpConfig _config;
    private readonly NetAddress _address;
    private readonly ushort _port;
    private readonly ReadOnlyMemory<byte> _initialData;

    public TcpConnectOperation(TcpConnectionCore core, TcpConfig config, NetAddress address, ushort port, ReadOnlyMemory<byte> initialData = default)
    {
        _core = core;
        _config = config;
        _address = address;
        _port = port;
        _initialData = initialData;
    }

    public new ValueTask<bool> Start(NetworkStack stack, CancellationToken cancellationToken) => base.Start(stack, cancellationToken);

    /// <summary>
    /// Starts the connect as a non-generic <see cref="ValueTask"/> that completes exactly when the
    /// loop completes it (no wrapper continuation). The operation is used once, so its token is
    /// that of the first use.
    /// </summary>
    public ValueTask StartUntyped(NetworkStack stack, CancellationToken cancellationToken)
    {
        var task = base.Start(stack, cancellationToken);
        return task.IsCompleted ? Completed(task) : new ValueTask(this, FirstToken);
    }

    private const short FirstToken = 0;

    private static ValueTask Completed(ValueTask<bool> task)
    {
        try
        {
            task.GetAwaiter().GetResult();
            return ValueTask.CompletedTask;
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        OnCompleted(continuation, state, token, flags);

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now)
    {
        if (_core.Closed)
        {
            Fail(new SocketException((int)SocketError.OperationAborted));
            return;
        }
        var error = stack.ConnectTcp(now, _config, _address, _port, out var tcb);
        if (error != SocketError.Success)
        {
            Fail(new SocketException((int)error));
            return;
        }
        // Queued before the SYN is built: with Fast Open (RFC 7413 §4.2.1) the SYN carries what fits.
        if (!_initialData.IsEmpty)
            tcb!.Send(_initialData.Span);
        _core.Attach(tcb!);
        _core.ParkConnect(this);
    }

    /// <inheritdoc />
    protected override void Unpark(NetworkStack stack) => _core.CancelConnect(this);

    /// <inheritdoc />
    protected override void ReturnToPool()
    {
    }
}
