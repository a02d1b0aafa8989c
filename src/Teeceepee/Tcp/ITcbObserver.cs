namespace Teeceepee.Tcp;

/// <summary>
/// Readiness callbacks from a <see cref="Tcb"/> to the layer above (the Sockets layer sets one per connection).
/// Called on the event loop; implementations must not call back into the TCB re-entrantly beyond reading state.
/// </summary>
public interface ITcbObserver
{
    /// <summary>In-order data, the peer's FIN or an error became available to <see cref="Tcb.Receive"/>.</summary>
    void OnReadable(Tcb tcb);

    /// <summary>Send buffer space was freed by an ACK (or sending became impossible).</summary>
    void OnWritable(Tcb tcb);

    /// <summary>The state changed.</summary>
    void OnStateChanged(Tcb tcb, TcpState oldState, TcpState newState);

    /// <summary>The connection failed; <see cref="Tcb.Error"/> holds the reason.</summary>
    void OnError(Tcb tcb, TcpError error);
}
