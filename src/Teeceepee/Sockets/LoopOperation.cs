using System.Threading.Tasks.Sources;
using Teeceepee.Stack;

namespace Teeceepee.Sockets;

/// <summary>
/// A pooled awaitable command: the caller gets a <see cref="ValueTask{TResult}"/> backed by this
/// object (<see cref="ManualResetValueTaskSourceCore{TResult}"/>), the loop completes it, and
/// <see cref="GetResult"/> returns it to its pool. Cancellation posts a cancel message carrying the
/// version of the use it belongs to, so a late cancel never touches a later use.
/// </summary>
/// <remarks>
/// Loop-side life: <see cref="Start"/> (caller thread) → <see cref="Execute"/> (loop) → either
/// <see cref="Complete"/>/<see cref="Fail"/> right away or parked by the subclass until an event or
/// <see cref="Cancel"/>. Continuations always run asynchronously, never on the loop thread.
/// </remarks>
internal abstract class LoopOperation<TResult> : LoopCommand, IValueTaskSource<TResult>
{
    private static readonly Action<object?, CancellationToken> s_onCancel = OnCancelRequested;

    private ManualResetValueTaskSourceCore<TResult> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private CancellationToken _cancellationToken;
    private NetworkStack? _stack;
    private bool _cancelBeforeExecute;
    private bool _executed;

    /// <summary>True between <see cref="Start"/> and completion (loop thread view).</summary>
    protected bool IsPending { get; private set; }

    /// <summary>The stack the operation was posted to.</summary>
    protected NetworkStack Stack => _stack!;

    /// <summary>Posts the operation to <paramref name="stack"/>'s loop and returns its awaitable.</summary>
    protected ValueTask<TResult> Start(NetworkStack stack, CancellationToken cancellationToken)
        => Start(stack, inline: false, cancellationToken);

    /// <summary>
    /// Runs the operation to completion and returns its result: inline when the caller may touch
    /// loop state (the stack is not started, or this is the loop thread), else posted and waited for.
    /// For rare control calls (bind, connect, close), not for the data path.
    /// </summary>
    protected TResult RunSynchronously(NetworkStack stack)
    {
        bool inline = stack.CanRunInline;
        var task = Start(stack, inline, CancellationToken.None);
        return inline || task.IsCompleted ? task.GetAwaiter().GetResult() : task.AsTask().GetAwaiter().GetResult();
    }

    private ValueTask<TResult> Start(NetworkStack stack, bool inline, CancellationToken cancellationToken)
    {
        _stack = stack;
        _cancellationToken = cancellationToken;
        _cancelBeforeExecute = false;
        _executed = false;
        IsPending = true;
        var task = new ValueTask<TResult>(this, _core.Version);
        // Registered before posting: a cancel racing with the post is queued behind... or ahead of
        // the command, and both orders are handled (see Cancel / Execute).
        if (inline)
        {
            Execute(stack, stack.LastPollTime);
            return task;
        }
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(s_onCancel, this);
        stack.Post(new LoopMessage(this, _core.Version, IsCancel: false));
        return task;
    }

    /// <inheritdoc />
    public sealed override void Execute(NetworkStack stack, Instant now)
    {
        _executed = true;
        if (_cancelBeforeExecute)
        {
            Fail(new OperationCanceledException(_cancellationToken));
            return;
        }
        Run(stack, now);
    }

    /// <summary>The operation's work, on the loop thread; completes it now or parks it.</summary>
    protected abstract void Run(NetworkStack stack, Instant now);

    /// <summary>Called on the loop when a parked operation is cancelled: unpark it (the base then fails it).</summary>
    protected virtual void Unpark(NetworkStack stack)
    {
    }

    /// <inheritdoc />
    public sealed override void Cancel(NetworkStack stack, Instant now, short version)
    {
        if (version != _core.Version || !IsPending)
            return;
        if (!_executed)
        {
            _cancelBeforeExecute = true;
            return;
        }
        Unpark(stack);
        Fail(new OperationCanceledException(_cancellationToken));
    }

    /// <inheritdoc />
    public sealed override void Abort(Exception error) => Fail(error);

    /// <summary>Completes with a result (loop thread).</summary>
    public void Complete(TResult result)
    {
        if (!IsPending)
            return;
        IsPending = false;
        _registration.Dispose();
        _registration = default;
        _core.SetResult(result);
    }

    /// <summary>Completes with an exception (loop thread).</summary>
    public void Fail(Exception error)
    {
        if (!IsPending)
            return;
        IsPending = false;
        _registration.Dispose();
        _registration = default;
        _core.SetException(error);
    }

    /// <summary>Gives the object back to its pool once its result was read.</summary>
    protected abstract void ReturnToPool();

    /// <summary>Clears references to caller data before pooling.</summary>
    protected virtual void ResetState()
    {
    }

    /// <inheritdoc />
    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _stack = null;
            _cancellationToken = default;
            ResetState();
            ReturnToPool();
        }
    }

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private static void OnCancelRequested(object? state, CancellationToken token)
    {
        var op = (LoopOperation<TResult>)state!;
        // The registration is disposed before completion, so this use's version is still current here.
        op._stack?.Post(new LoopMessage(op, op._core.Version, IsCancel: true));
    }
}
