using Teeceepee.Stack;
using Teeceepee.Stack.Loop;

namespace Teeceepee.Sockets;

/// <summary>
/// The TCP connections and listeners of one stack that may have calls parked in them (loop
/// thread), so that the stack's shutdown fails those calls instead of leaving them waiting.
/// Hangs off the stack as its <see cref="IStackShutdownListener"/>.
/// </summary>
internal sealed class TcpSocketRegistry : IStackShutdownListener
{
    private readonly HashSet<LoopCommand> _sockets = [];

    /// <summary>The registry of <paramref name="stack"/>, made on first use (loop thread).</summary>
    public static TcpSocketRegistry Of(NetworkStack stack)
    {
        if (stack.ShutdownListener is TcpSocketRegistry registry)
            return registry;
        registry = new TcpSocketRegistry();
        stack.ShutdownListener = registry;
        return registry;
    }

    /// <summary>Remembers a socket core so its waiting calls can be failed when the stack goes away.</summary>
    public void Register(LoopCommand core) => _sockets.Add(core);

    /// <summary>Forgets a closed socket core.</summary>
    public void Unregister(LoopCommand core) => _sockets.Remove(core);

    /// <summary>Fails every socket call still waiting (receives, sends, connects, accepts).</summary>
    public void OnStackShutdown(Exception error)
    {
        foreach (var core in _sockets.ToArray())
            core.Abort(error);
        _sockets.Clear();
    }
}
