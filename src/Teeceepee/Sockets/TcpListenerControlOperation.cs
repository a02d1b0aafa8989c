using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>Start or stop a listener on the loop (rare calls: not pooled).</summary>
internal sealed class TcpListenerControlOperation : LoopOperation<int>
{
    private TcpListenerCore? _core;
    private TcpEndpoint _local;
    private int _backlog;
    private TcpConfig? _config;
    private bool _stop;

    /// <summary>Listens on <paramref name="local"/> and returns the port (chosen when <paramref name="local"/> has port 0); throws <see cref="SocketException"/> (AddressAlreadyInUse) when taken.</summary>
    public static int Listen(NetworkStack stack, TcpListenerCore core, TcpEndpoint local, int backlog, TcpConfig config) =>
        new TcpListenerControlOperation { _core = core, _local = local, _backlog = backlog, _config = config }.RunSynchronously(stack);

    /// <summary>Stops listening; completes once the loop ran it.</summary>
    public static ValueTask Stop(NetworkStack stack, TcpListenerCore core)
    {
        var op = new TcpListenerControlOperation { _core = core, _stop = true };
        // Without a loop thread (a simulation polling by hand) nobody would run a posted stop: do it now.
        if (stack.CanRunInline)
        {
            op.RunSynchronously(stack);
            return ValueTask.CompletedTask;
        }
        var task = op.Start(stack, CancellationToken.None);
        return task.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(task.AsTask());
    }

    /// <summary>Stops listening without waiting.</summary>
    public static void StopNoWait(NetworkStack stack, TcpListenerCore core)
    {
        var task = Stop(stack, core);
        _ = task.IsCompleted;
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now)
    {
        if (_stop)
        {
            _core!.Stop();
            Complete(0);
            return;
        }
        var error = stack.ListenTcp(_local, _backlog, _config!, out var queue);
        if (error != SocketError.Success)
        {
            Fail(new SocketException((int)error));
            return;
        }
        _core!.Listen(queue!);
        Complete(queue!.LocalEndpoint.Port);
    }

    /// <inheritdoc />
    protected override void ReturnToPool()
    {
    }
}
