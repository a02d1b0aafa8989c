using Teeceepee.Wire;
using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// The loop-side half of a <see cref="TcpConnectionListener"/>: observes the host's listener queue and hands
/// established connections to parked accepts. Accept readiness arrives in the middle of segment
/// processing, so it is deferred to a command later in the same poll.
/// </summary>
internal sealed class TcpListenerCore : LoopCommand, ITcpListenerObserver
{
    private readonly List<TcpAcceptOperation> _acceptors = new(1);
    private readonly NetworkStack _stack;
    private bool _deferred;

    public TcpListenerCore(NetworkStack stack, TcpConnectionOptions options)
    {
        _stack = stack;
        Options = options;
    }

    /// <summary>Options for accepted connections.</summary>
    public TcpConnectionOptions Options { get; }

    /// <summary>The host's queue while listening (loop thread).</summary>
    public TcpListenerQueue? Queue { get; private set; }

    /// <summary>Stopped by the application.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Starts listening (loop thread).</summary>
    public void Listen(TcpListenerQueue queue)
    {
        Queue = queue;
        Stopped = false;
        queue.Observer = this;
        _stack.RegisterTcpSocket(this);
    }

    /// <summary>Runs an accept now or queues it behind earlier ones.</summary>
    public void Accept(TcpAcceptOperation operation)
    {
        if (_acceptors.Count > 0 || !operation.TryComplete(this))
            _acceptors.Add(operation);
    }

    public void Remove(TcpAcceptOperation operation) => _acceptors.Remove(operation);

    /// <summary>Stops listening: queued connections are reset and waiting accepts fail with OperationAborted.</summary>
    public void Stop()
    {
        Stopped = true;
        _stack.UnregisterTcpSocket(this);
        if (Queue is { } queue)
        {
            queue.Observer = null;
            queue.Close();
            Queue = null;
        }
        Serve();
    }

    /// <summary>Takes the oldest established connection as a <see cref="TcpConnection"/> (loop thread).</summary>
    public SocketError TryAccept(out TcpConnection? connection)
    {
        connection = null;
        if (Stopped)
            return SocketError.OperationAborted;
        if (Queue is not { } queue)
            return SocketError.InvalidArgument;
        if (!queue.TryAccept(out var tcb))
            return SocketError.WouldBlock;
        // A listener on :: is dual-stack (like .NET's DualMode): its IPv4 peers appear as IPv4-mapped IPv6 addresses.
        connection = new TcpConnection(_stack, tcb, Options, mapToIPv6: queue.LocalEndpoint.Address == NetAddress.IPv6Any);
        return SocketError.Success;
    }

    /// <summary>The stack went away: waiting accepts fail with OperationAborted.</summary>
    public override void Abort(Exception error)
    {
        Stopped = true;
        Serve();
    }

    /// <inheritdoc />
    public void OnAcceptReady(TcpListenerQueue listener)
    {
        if (_deferred)
            return;
        _deferred = true;
        _stack.Defer(this);
    }

    /// <inheritdoc />
    public override void Execute(NetworkStack stack, Instant now)
    {
        _deferred = false;
        Serve();
    }

    private void Serve()
    {
        while (_acceptors.Count > 0 && _acceptors[0].TryComplete(this))
            _acceptors.RemoveAt(0);
    }
}
