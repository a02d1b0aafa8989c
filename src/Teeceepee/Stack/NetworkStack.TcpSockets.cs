using System.Net.Sockets;
using Teeceepee.Sockets;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

// The hooks the public TCP API (Sockets/Tcp*.cs) needs on the loop thread.
public sealed partial class NetworkStack
{
    // Connections and listeners of the socket API that may have calls waiting (loop thread).
    private readonly HashSet<LoopCommand> _tcpSockets = [];

    /// <summary>Remembers a socket core so its waiting calls can be failed when the stack goes away (loop thread).</summary>
    internal void RegisterTcpSocket(LoopCommand core) => _tcpSockets.Add(core);

    /// <summary>Forgets a closed socket core (loop thread).</summary>
    internal void UnregisterTcpSocket(LoopCommand core) => _tcpSockets.Remove(core);

    /// <summary>
    /// Fails every socket call still waiting (receives, sends, connects, accepts) with OperationAborted.
    /// For the stack's shutdown, after the loop stopped (ShutdownTcp), so nothing awaits forever.
    /// </summary>
    internal void FailTcpSockets()
    {
        var error = new ObjectDisposedException(nameof(NetworkStack));
        foreach (var core in _tcpSockets.ToArray())
            core.Abort(error);
        _tcpSockets.Clear();
    }

    /// <summary>
    /// Queues <paramref name="command"/> to run later in the current poll (loop thread only): how
    /// observers called in the middle of segment processing get their work done once it is over.
    /// No wake-up is needed since the loop checks its queue before it sleeps.
    /// </summary>
    internal void Defer(LoopCommand command) => _commands.Enqueue(new LoopMessage(command, 0, IsCancel: false));

    /// <summary>Active open from our address (loop thread): the new TCB, or the error to report.</summary>
    internal SocketError ConnectTcp(Instant now, TcpConfig config, IPv4Address address, ushort port, out Tcb? tcb)
    {
        tcb = null;
        if (address.IsUnspecified || address == SubnetBroadcast || address.IsBroadcast || address.IsMulticast)
            return SocketError.AddressNotAvailable;
        if (!IsOnLink(address) && Gateway is null && Medium == Links.LinkMedium.Ethernet)
            return SocketError.NetworkUnreachable;
        try
        {
            tcb = Tcp.Connect(now, Address, new TcpEndpoint(address, port), config);
            return SocketError.Success;
        }
        catch (TcpException e)
        {
            return TcpSocketErrors.ToSocketError(e.Error);
        }
    }

    /// <summary>Passive open (loop thread): the host's listener queue, or the error to report.</summary>
    internal SocketError ListenTcp(TcpEndpoint local, int backlog, TcpConfig config, out TcpListenerQueue? queue)
    {
        queue = null;
        if (!local.Address.IsUnspecified && local.Address != Address)
            return SocketError.AddressNotAvailable;
        try
        {
            queue = Tcp.Listen(local, backlog, config);
            return SocketError.Success;
        }
        catch (TcpException e)
        {
            return TcpSocketErrors.ToSocketError(e.Error);
        }
    }
}
