using Teeceepee.Stack.Loop;

namespace Teeceepee.Stack;

// The stack's side of its loop: the command queue, the real-time runner (Stack/Loop/LoopRunner.cs),
// and failing whoever waits when the loop stops or never runs.
public sealed partial class NetworkStack
{
    private LoopRunner? _runner;
    private int _runnerThreadId;
    private bool _handDriven;

    /// <summary>Continuations the loop runs inline per turn at most (<see cref="TryTakeInlineCompletion"/>); the rest go to the thread pool.</summary>
    internal const int InlineCompletionBudget = 1024;

    /// <summary>True on the loop thread of any started stack: code there must not wait for a loop (it may be this one, or wait for it).</summary>
    internal static bool OnAnyLoopThread => LoopRunner.OnAnyLoopThread;

    /// <summary>True on the real-time loop thread (where socket calls may run at once instead of being posted).</summary>
    internal bool IsLoopThread => _runner is not null && Environment.CurrentManagedThreadId == _runnerThreadId;

    /// <summary>True when the caller may run loop work inline: the stack has no loop thread, or this is it.</summary>
    internal bool CanRunInline => _runner is null || Environment.CurrentManagedThreadId == _runnerThreadId;

    /// <summary>True while commands wait in the queue (any thread).</summary>
    internal bool HasCommands => !_commands.IsEmpty || HasHandovers;

    /// <summary>
    /// True when a completing socket call may run its continuation inline on the loop (loop thread,
    /// loop healthy, not stopping, this turn's budget not spent): counts it against the budget.
    /// </summary>
    internal bool TryTakeInlineCompletion() =>
        IsLoopThread && LoopError is null && _runner!.TryTakeInlineCompletion();

    /// <summary>True once <see cref="DisposeAsync"/> has run.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>True while the real-time loop thread runs.</summary>
    public bool IsRunning => _runner is not null && _runner.IsRunning;

    /// <summary>
    /// True once something drives the loop: <see cref="Start"/> was called, or the stack is driven by
    /// hand (<see cref="Poll"/> ran, or <see cref="DriveManually"/> said it will). Calls that need the
    /// loop fail at once with <see cref="InvalidOperationException"/> on a stack that is neither.
    /// </summary>
    public bool IsDriven => _runner is not null || _handDriven;

    /// <summary>
    /// Declares that the caller drives this stack with <see cref="Poll"/> (a simulation on virtual
    /// time), so calls made before its first poll are queued for it instead of failing at once.
    /// </summary>
    public void DriveManually()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_runner is not null)
            throw new InvalidOperationException("The stack is already running on its own loop thread (Start()).");
        _handDriven = true;
    }

    /// <summary>Why a call on a stack that nothing drives fails at once.</summary>
    internal const string NotDrivenMessage =
        "The stack is not running: call NetworkStack.Start() before using it (a simulation drives it with Poll(now) instead, at least once before posting work).";

    /// <summary>How many times the loop thread has polled (diagnostics: an idle loop should not spin).</summary>
    internal long LoopIterations => _runner?.Iterations ?? 0;

    /// <summary>The exception that stopped the loop thread, if one did.</summary>
    public Exception? LoopError { get; private set; }

    /// <summary>
    /// Starts the real-time runner: one thread that calls <see cref="Poll"/> with the
    /// <see cref="NetworkStackOptions.TimeProvider"/>'s time, then sleeps in epoll on the link's
    /// readiness fd and a command eventfd until the next <see cref="PollAt"/>. Do not call
    /// <see cref="Poll"/> yourself afterwards.
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_runner is not null)
            throw new InvalidOperationException("The stack is already running.");
        var runner = new LoopRunner(this, _name);
        _runnerThreadId = runner.ThreadId;
        _runner = runner;
        runner.Start();
    }

    /// <summary>Queues a message for the loop and wakes it (any thread).</summary>
    internal void Post(in LoopMessage message)
    {
        _commands.Enqueue(message);
        Wake();
    }

    /// <summary>
    /// Queues <paramref name="command"/> to run later in the current poll (loop thread only): how
    /// observers called in the middle of segment processing get their work done once it is over.
    /// No wake-up is needed since the loop checks its queue before it sleeps.
    /// </summary>
    internal void Defer(LoopCommand command) => _commands.Enqueue(new LoopMessage(command, 0, IsCancel: false));

    /// <summary>Wakes the loop thread if it may be asleep, or fails the queue when no loop will run it (any thread).</summary>
    private void Wake()
    {
        _runner?.Wake();
        if (_disposed)
            AbortQueued(new ObjectDisposedException(nameof(NetworkStack)));
        else if (LoopError is { } error)
            AbortQueued(new IOException("The stack's loop has stopped: " + error.Message, error));
    }

    /// <summary>The runner's thread died (the link failed, or a bug): fail whoever waits.</summary>
    internal void OnLoopFailed(Exception error)
    {
        LoopError = error;
        Trace($"loop stopped: {error.GetType().Name}: {error.Message}");
        FailAllPending(new IOException("The stack's loop has stopped: " + error.Message, error));
    }

    private async ValueTask StopLoopAsync()
    {
        if (_runner is null)
            return;
        await _runner.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Fails everything still waiting (after the loop stopped, or when it never ran).</summary>
    private void FailAllPending() => FailAllPending(new ObjectDisposedException(nameof(NetworkStack)));

    private void FailAllPending(Exception error)
    {
        AbortQueued(error);
        foreach (var p in _pings)
            p.Fail(error);
        _pings.Clear();
        _udp.CloseAll();
        DiscardHandovers();
        while (_loopback.TryDequeue(out var packet))
            System.Buffers.ArrayPool<byte>.Shared.Return(packet.Buffer);
        ShutdownTcp();
    }

    private void AbortQueued(Exception error)
    {
        while (_commands.TryDequeue(out var message))
        {
            if (!message.IsCancel)
                message.Command.Abort(error);
        }
    }
}
