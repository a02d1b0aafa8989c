namespace Teeceepee.Tcp;

public sealed partial class TcpHost
{
    /// <summary>
    /// When set, data segments leave their payload in the connection's send ring: <see cref="TryDispatch"/> copies none
    /// into the payload buffer and the <see cref="TcpOutgoing"/> carries the ring's slices (<see cref="TcpOutgoing.Payload"/>,
    /// <see cref="TcpOutgoing.Payload2"/>) for a gather write. Handed to every TCB as it is registered
    /// (<see cref="Tcb.PayloadInPlace"/>); set it before connections open. Off by default (the payload is copied).
    /// </summary>
    public bool GatherSend { get; set; }
}
