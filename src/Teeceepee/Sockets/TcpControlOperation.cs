using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>Rare calls on a connection, run on the loop: shutdown, close, abort, info, and the non-blocking Try* calls.</summary>
internal sealed unsafe class TcpControlOperation : LoopOperation<int>
{
    private enum Kind : byte
    {
        Shutdown,
        Close,
        Abort,
        Info,
        ReceiveAvailable,
        SendAvailable,
    }

    private Kind _kind;
    private TcpConnectionCore? _core;
    private SocketShutdown _how;
    private byte* _data;
    private int _length;
    private SocketError _error;
    private TcpInfo _info;

    /// <summary>Half-close, posted without waiting (later calls from the same thread are ordered after it).</summary>
    public static void Shutdown(NetworkStack stack, TcpConnectionCore core, SocketShutdown how) =>
        new TcpControlOperation { _kind = Kind.Shutdown, _core = core, _how = how }.Post(stack);

    /// <summary>Posts the operation without waiting: it is used once and never pooled, so nobody needs its result.</summary>
    private void Post(NetworkStack stack)
    {
#pragma warning disable CA2012 // A one-use, unpooled source: dropping its ValueTask loses nothing.
        _ = Start(stack, CancellationToken.None);
#pragma warning restore CA2012
    }

    /// <summary>Graceful close or abort without waiting.</summary>
    public static void CloseNoWait(NetworkStack stack, TcpConnectionCore core, bool abort)
    {
        var op = new TcpControlOperation { _kind = abort ? Kind.Abort : Kind.Close, _core = core };
        if (stack.CanRunInline)
            op.RunSynchronously(stack);
        else
            op.Post(stack);
    }

    /// <summary>Graceful close or abort; the task completes once the loop ran it.</summary>
    public static ValueTask Close(NetworkStack stack, TcpConnectionCore core, bool abort)
    {
        var op = new TcpControlOperation { _kind = abort ? Kind.Abort : Kind.Close, _core = core };
        // Without a loop thread (a simulation polling by hand) nobody would run a posted close: do it now.
        if (stack.CanRunInline)
        {
            op.RunSynchronously(stack);
            return ValueTask.CompletedTask;
        }
        var task = op.Start(stack, CancellationToken.None);
        return task.IsCompletedSuccessfully ? ValueTask.CompletedTask : new ValueTask(task.AsTask());
    }

    /// <summary>A snapshot of the TCB's counters (waits for a loop turn).</summary>
    public static TcpInfo Info(NetworkStack stack, TcpConnectionCore core)
    {
        var op = new TcpControlOperation { _kind = Kind.Info, _core = core };
        op.RunSynchronously(stack);
        return op._info;
    }

    /// <summary>
    /// One non-blocking receive or send with the caller's span pinned while the loop runs it
    /// (waits for a loop turn, never for data or space).
    /// </summary>
    public static SocketError Transfer(NetworkStack stack, TcpConnectionCore core, byte* data, int length, bool receive, out int transferred)
    {
        var op = new TcpControlOperation { _kind = receive ? Kind.ReceiveAvailable : Kind.SendAvailable, _core = core, _data = data, _length = length };
        transferred = op.RunSynchronously(stack);
        return op._error;
    }

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now)
    {
        var core = _core!;
        int result = 0;
        switch (_kind)
        {
            case Kind.Shutdown:
                if (!core.Closed)
                    core.Shutdown(_how);
                break;
            case Kind.Close:
            case Kind.Abort:
                core.Close(_kind == Kind.Abort);
                break;
            case Kind.Info:
                _info = core.Tcb?.GetInfo() ?? new TcpInfo { State = core.State };
                break;
            case Kind.ReceiveAvailable:
                _error = core.HasReceivers ? SocketError.WouldBlock : TcpReceiveOperation.Poll(core, new Span<byte>(_data, _length), out result);
                break;
            default:
                _error = core.HasSenders ? SocketError.WouldBlock : TcpSendOperation.Poll(core, new ReadOnlySpan<byte>(_data, _length), out result);
                break;
        }
        Complete(result);
    }

    /// <inheritdoc />
    protected override void ReturnToPool()
    {
    }
}
