using System.Net;
using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;

namespace Teeceepee.Sockets;

/// <summary>
/// The loop-side half of a <see cref="TcpConnection"/>: the <see cref="Tcb"/>'s observer and the
/// queues of parked operations. Everything here runs on the loop thread except the published
/// snapshots (<see cref="State"/>, endpoints), which any thread may read.
/// </summary>
/// <remarks>
/// A TCB's observer must not call back into it (data would be copied in the middle of
/// <see cref="Tcb.Process"/>), so readiness events only mark the core and defer the work to a
/// command that runs later in the same poll (<see cref="NetworkStack.Defer"/>): one deferral per
/// poll however many segments arrived.
/// </remarks>
internal sealed class TcpConnectionCore : LoopCommand, ITcbObserver, ITcbReceiver
{
    private readonly List<ITcpReceiveWaiter> _receivers = new(1);
    private readonly List<TcpSendOperation> _senders = new(1);
    private readonly NetworkStack _stack;
    private TcpConnectOperation? _connecting;
    private bool _deferred;
    private volatile int _state;

    public TcpConnectionCore(NetworkStack stack, bool inlineCompletions)
    {
        _stack = stack;
        InlineCompletions = inlineCompletions;
    }

    /// <summary>Receives and sends run their continuations on the loop (<see cref="TcpConnectionOptions.UnsafeInlineCompletions"/>).</summary>
    public bool InlineCompletions { get; }

    /// <summary>The connection's TCB once connecting began or it was accepted (loop thread).</summary>
    public Tcb? Tcb { get; private set; }

    /// <summary>Disposed or aborted by the application: every call fails.</summary>
    public bool Closed { get; private set; }

    /// <summary>The application shut down receiving: reads return 0.</summary>
    public bool ReceiveShutdown { get; set; }

    /// <summary>The application shut down sending while sends were still queued: the FIN follows them.</summary>
    public bool SendShutdownPending { get; set; }

    /// <summary>The application shut down sending.</summary>
    public bool SendShutdown { get; set; }

    /// <summary>The state last seen on the loop (any thread).</summary>
    public TcpState State => (TcpState)_state;

    /// <summary>Our endpoint, once known (any thread).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>The peer's endpoint, once known (any thread).</summary>
    public IPEndPoint? RemoteEndPoint { get; private set; }

    /// <summary>True while receives wait (a non-blocking receive must not overtake them).</summary>
    public bool HasReceivers => _receivers.Count > 0;

    /// <summary>True while sends wait (a non-blocking send must not overtake them).</summary>
    public bool HasSenders => _senders.Count > 0;

    /// <summary>Takes ownership of <paramref name="tcb"/> (loop thread).</summary>
    public void Attach(Tcb tcb, bool mapToIPv6 = false)
    {
        Tcb = tcb;
        tcb.Observer = this;
        tcb.Receiver = this;
        _stack.RegisterTcpSocket(this);
        _state = (int)tcb.State;
        var local = tcb.LocalAddress.ToIPAddress();
        var remote = tcb.RemoteAddress.ToIPAddress();
        if (mapToIPv6 && tcb.RemoteAddress.IsIPv4)
        {
            local = local.MapToIPv6();
            remote = remote.MapToIPv6();
        }
        LocalEndPoint = new IPEndPoint(local, tcb.LocalPort);
        RemoteEndPoint = new IPEndPoint(remote, tcb.RemotePort);
    }

    /// <summary>Parks a connect until the handshake completes or fails.</summary>
    public void ParkConnect(TcpConnectOperation operation)
    {
        _connecting = operation;
        ServeConnect();
    }

    /// <summary>A cancelled connect: forget it and abort the attempt (loop thread).</summary>
    public void CancelConnect(TcpConnectOperation operation)
    {
        if (_connecting != operation)
            return;
        _connecting = null;
        Tcb?.Abort();
    }

    /// <summary>Runs a receive now or queues it behind earlier ones.</summary>
    public void Receive(ITcpReceiveWaiter operation)
    {
        if (_receivers.Count > 0 || !operation.TryComplete(this))
            _receivers.Add(operation);
    }

    /// <summary>Runs a send now or queues it behind earlier ones (sends never interleave).</summary>
    public void Send(TcpSendOperation operation)
    {
        if (_senders.Count > 0 || !operation.TryComplete(this))
            _senders.Add(operation);
    }

    public void RemoveReceiver(ITcpReceiveWaiter operation) => _receivers.Remove(operation);

    public void RemoveSender(TcpSendOperation operation)
    {
        _senders.Remove(operation);
        ServeSenders();
    }

    /// <summary>Half-close; with receive, reads return 0 from now on (loop thread).</summary>
    public void Shutdown(SocketShutdown how)
    {
        if (how is SocketShutdown.Receive or SocketShutdown.Both)
        {
            ReceiveShutdown = true;
            ServeReceivers();
        }
        if (how is SocketShutdown.Send or SocketShutdown.Both && !SendShutdown)
        {
            SendShutdown = true;
            // Queued sends go out before the FIN, as the kernel's send buffer would.
            if (_senders.Count > 0)
                SendShutdownPending = true;
            else
                Tcb?.Shutdown();
        }
    }

    /// <summary>Graceful close (or abort): fails waiting calls with OperationAborted and lets go of the TCB (loop thread).</summary>
    public void Close(bool abort)
    {
        if (Closed)
            return;
        Closed = true;
        _stack.UnregisterTcpSocket(this);
        var tcb = Tcb;
        if (tcb is not null)
        {
            // The observer stays: State keeps following the close handshake.
            if (abort)
                tcb.Abort();
            else
                tcb.Close();
            _state = (int)tcb.State;
        }
        FailAll();
    }

    /// <summary>The stack went away: fail everything (loop thread or after the loop stopped).</summary>
    public void FailAll()
    {
        if (_connecting is { } connect)
        {
            _connecting = null;
            connect.Fail(TcpSocketErrors.Create(SocketError.OperationAborted, stream: false));
        }
        ServeReceivers();
        ServeSenders();
    }

    /// <summary>The stack went away: every waiting call fails with OperationAborted.</summary>
    public override void Abort(Exception error)
    {
        Closed = true;
        FailAll();
    }

    /// <summary>
    /// The straight receive path (issue 9 item 3): the oldest waiting receive takes in-order text from the
    /// segment being processed, one copy from the link's buffer into the caller's memory. It completes once this
    /// poll's segments are done (the deferred <see cref="Execute"/>), so every segment of one flow that one poll read
    /// and that fits goes the same way: one completion, one continuation and one copy per byte for the batch, like
    /// Linux's GRO feeding one read (issue 13 item 4). Its continuation goes where it always goes: the thread pool,
    /// or inline later in this poll.
    /// </summary>
    public int TakeText(Tcb tcb, ReadOnlySpan<byte> text)
    {
        if (Closed || ReceiveShutdown || _receivers.Count == 0)
            return 0;
        int taken = _receivers[0].TakeText(text);
        if (taken > 0)
            Defer();
        return taken;
    }

    /// <inheritdoc />
    public void OnReadable(Tcb tcb) => Defer();

    /// <inheritdoc />
    public void OnWritable(Tcb tcb) => Defer();

    /// <inheritdoc />
    public void OnStateChanged(Tcb tcb, TcpState oldState, TcpState newState)
    {
        _state = (int)newState;
        Defer();
    }

    /// <inheritdoc />
    public void OnError(Tcb tcb, TcpError error) => Defer();

    /// <summary>Serves everything that may have become ready (the deferred command).</summary>
    public override void Execute(NetworkStack stack, Instant now)
    {
        _deferred = false;
        if (Tcb is { } tcb)
            _state = (int)tcb.State;
        ServeConnect();
        ServeReceivers();
        ServeSenders();
    }

    private void Defer()
    {
        if (_deferred)
            return;
        _deferred = true;
        _stack.Defer(this);
    }

    private void ServeConnect()
    {
        var connect = _connecting;
        var tcb = Tcb;
        if (connect is null || tcb is null)
            return;
        if (tcb.State >= TcpState.Established)
        {
            _connecting = null;
            connect.Complete(true);
        }
        else if (tcb.State == TcpState.Closed)
        {
            _connecting = null;
            connect.Fail(TcpSocketErrors.Create(tcb.Error == TcpError.None ? TcpError.ConnectionAborted : tcb.Error, stream: false));
        }
    }

    private void ServeReceivers()
    {
        while (_receivers.Count > 0 && _receivers[0].TryComplete(this))
            _receivers.RemoveAt(0);
    }

    private void ServeSenders()
    {
        while (_senders.Count > 0 && _senders[0].TryComplete(this))
            _senders.RemoveAt(0);
        if (_senders.Count == 0 && SendShutdownPending)
        {
            SendShutdownPending = false;
            Tcb?.Shutdown();
        }
    }
}
