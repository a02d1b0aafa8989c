
namespace Teeceepee.Stack.Loop;

/// <summary>
/// Runs a delegate on the loop thread and returns its result: for set-up calls and tests that
/// need loop-owned state (a TCP listen, a look at a TCB). Not pooled and allocates a delegate:
/// keep it off the data path.
/// </summary>
internal sealed class LoopInvocation<T> : LoopOperation<T>
{
    private readonly Func<NetworkStack, Instant, T> _func;

    private LoopInvocation(Func<NetworkStack, Instant, T> func) => _func = func;

    /// <summary>Posts <paramref name="func"/> to <paramref name="stack"/>'s loop.</summary>
    public static ValueTask<T> RunAsync(NetworkStack stack, Func<NetworkStack, Instant, T> func, CancellationToken cancellationToken = default) =>
        new LoopInvocation<T>(func).Start(stack, cancellationToken);

    /// <inheritdoc />
    protected override void Run(NetworkStack stack, Instant now) => Complete(_func(stack, now));

    /// <inheritdoc />
    protected override void ReturnToPool()
    {
    }
}
