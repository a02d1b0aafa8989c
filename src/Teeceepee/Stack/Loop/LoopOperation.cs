using System.Threading.Tasks.Sources;

namespace Teeceepee.Stack.Loop;

/// <summary>
/// A pooled awaitable command: the caller gets a <see cref="ValueTask{TResult}"/> backed by this
/// object (<see cref="ManualResetValueTaskSourceCore{TResult}"/>), the loop completes it, and
/// <see cref="GetResult"/> returns it to its pool. Cancellation posts a cancel message carrying the
/// version of the use it belongs to, so a late cancel never touches a later use.
/// </summary>
/// <remarks>
/// Loop-side life: <see cref="Start"/> (caller thread) → <see cref="Execute"/> (loop) → either
/// <see cref="Complete"/>/<see cref="Fail"/> right away or parked by the subclass until an event or
/// <see cref="Cancel"/>. Started on the loop thread itself (by a continuation that runs there), the
/// operation executes at once instead of being posted, and may complete synchronously.
/// Continuations run on the thread pool, unless the operation was started with inline completions
/// (a socket option, <c>TcpConnectionOptions.UnsafeInlineCompletions</c>): then a completion on the loop is
/// queued as a command of its own (<see cref="InlineCompletion"/>) and the continuation runs on the
/// loop thread when that command runs, at the top of the poll's command queue, never nested inside
/// a connection's bookkeeping. At most <see cref="NetworkStack.InlineCompletionBudget"/> such
/// continuations run per poll; past that, and off the loop, they go to the thread pool.
/// </remarks>
internal abstract class LoopOperation<TResult> : LoopCommand, IValueTaskSource<TResult>
{
    private static readonly Action<object?, CancellationToken> s_onCancel = OnCancelRequested;

    private ManualResetValueTaskSourceCore<TResult> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private CancellationToken _cancellationToken;
    private NetworkStack? _stack;
    private InlineCompletion? _inlineCompletion;
    private Exception? _error;
    private TResult? _result;
    private bool _cancelBeforeExecute;
    private bool _executed;
    private bool _inline;
    private bool _starting;
    private bool _kept;

    /// <summary>True between <see cref="Start"/> and completion (loop thread view).</summary>
    protected bool IsPending { get; private set; }

    /// <summary>The stack the operation was posted to.</summary>
    protected NetworkStack Stack => _stack!;

    /// <summary>Posts the operation to <paramref name="stack"/>'s loop (or runs it now on the loop thread) and returns its awaitable.</summary>
    protected ValueTask<TResult> Start(NetworkStack stack, CancellationToken cancellationToken)
        => StartCore(stack, stack.IsLoopThread, cancellationToken);

    /// <summary>
    /// As <see cref="Start(NetworkStack, CancellationToken)"/>; with <paramref name="inlineCompletions"/>
    /// a completion on the loop runs the continuation there (see the remarks of the class).
    /// </summary>
    protected ValueTask<TResult> Start(NetworkStack stack, bool inlineCompletions, CancellationToken cancellationToken)
    {
        _inline = inlineCompletions;
        return StartCore(stack, stack.IsLoopThread, cancellationToken);
    }

    /// <summary>
    /// Runs the operation to completion and returns its result: inline when the caller may touch
    /// loop state (the stack is not started, or this is the loop thread), else posted and waited for.
    /// For rare control calls (bind, connect, close), not for the data path.
    /// </summary>
    protected TResult RunSynchronously(NetworkStack stack)
    {
        bool inline = stack.CanRunInline;
        var task = StartCore(stack, inline, CancellationToken.None);
        return inline || task.IsCompleted ? task.GetAwaiter().GetResult() : task.AsTask().GetAwaiter().GetResult();
    }

    private ValueTask<TResult> StartCore(NetworkStack stack, bool inline, CancellationToken cancellationToken)
    {
        _stack = stack;
        _cancellationToken = cancellationToken;
        _cancelBeforeExecute = false;
        _executed = false;
        IsPending = true;
        var task = new ValueTask<TResult>(this, _core.Version);
        if (inline)
        {
            // The caller may touch loop state: run now. A completion during Execute has no
            // continuation to run yet, so it sets the result at once (a synchronous completion).
            _starting = true;
            try
            {
                Execute(stack, stack.LastPollTime);
            }
            finally
            {
                _starting = false;
            }
            // Parked: a cancellation is posted to the loop like any other.
            if (IsPending && cancellationToken.CanBeCanceled)
                _registration = cancellationToken.UnsafeRegister(s_onCancel, this);
            return task;
        }
        if (!stack.IsDriven && !stack.IsDisposed)
        {
            // Nothing will ever run the queue (issue 12: a never-started stack hung its callers): fail now.
            Fail(new InvalidOperationException(NetworkStack.NotDrivenMessage));
            return task;
        }
        // Registered before posting: a cancel racing with the post is queued behind... or ahead of
        // the command, and both orders are handled (see Cancel / Execute).
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
        if (!EndPending())
            return;
        if (TryQueueInline())
            _result = result;
        else
            _core.SetResult(result);
    }

    /// <summary>Completes with an exception (loop thread).</summary>
    public void Fail(Exception error)
    {
        if (!EndPending())
            return;
        if (TryQueueInline())
            _error = error;
        else
            _core.SetException(error);
    }

    // Leaves the pending state once (a late completion or cancellation finds it left) and drops the cancellation hook.
    private bool EndPending()
    {
        if (!IsPending)
            return false;
        IsPending = false;
        _registration.Dispose();
        _registration = default;
        return true;
    }

    /// <summary>
    /// Decides how this completion reaches its continuation: false to set the result now (on the
    /// thread pool, or synchronously while starting), true when the result is to be kept and
    /// delivered inline by an <see cref="InlineCompletion"/> command later in this poll.
    /// </summary>
    private bool TryQueueInline()
    {
        var stack = _stack;
        if (_starting || !_inline || stack is null || !stack.TryTakeInlineCompletion())
        {
            _core.RunContinuationsAsynchronously = true;
            return false;
        }
        _inlineCompletion ??= new InlineCompletion(this);
        _kept = true;
        stack.Defer(_inlineCompletion);
        return true;
    }

    /// <summary>Delivers a kept result: inline on the loop, or on the thread pool when the stack is going away.</summary>
    private void Deliver(bool inline)
    {
        // Once only: a continuation that threw makes the loop abort the command that ran it.
        if (!_kept)
            return;
        _kept = false;
        _core.RunContinuationsAsynchronously = !inline;
        var error = _error;
        var result = _result;
        _error = null;
        _result = default;
        if (error is not null)
            _core.SetException(error);
        else
            _core.SetResult(result!);
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
            _core.RunContinuationsAsynchronously = true;
            _stack = null;
            _inline = false;
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

    /// <summary>The command that runs a kept completion's continuation on the loop thread (one per operation object, reused).</summary>
    private sealed class InlineCompletion(LoopOperation<TResult> operation) : LoopCommand
    {
        /// <inheritdoc />
        public override void Execute(NetworkStack stack, Instant now) => operation.Deliver(inline: true);

        /// <inheritdoc />
        public override void Abort(Exception error) => operation.Deliver(inline: false);
    }
}
