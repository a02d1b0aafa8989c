namespace Teeceepee.Tcp;

/// <summary>Readiness callback for a listener (set by the Sockets layer).</summary>
public interface ITcpListenerObserver
{
    /// <summary>A connection completed its handshake and waits in the accept queue.</summary>
    void OnAcceptReady(TcpListenerQueue listener);
}
