namespace Teeceepee.Tcp;

/// <summary>The eleven connection states of RFC 9293 §3.3.2.</summary>
public enum TcpState : byte
{
    /// <summary>No connection (also the final state).</summary>
    Closed = 0,
    /// <summary>Waiting for a SYN from any remote TCP.</summary>
    Listen,
    /// <summary>SYN sent, waiting for a matching SYN.</summary>
    SynSent,
    /// <summary>SYN received and SYN-ACK sent, waiting for the ACK of our SYN.</summary>
    SynReceived,
    /// <summary>Open: data flows both ways.</summary>
    Established,
    /// <summary>Our FIN sent, not yet acknowledged; the peer may still send.</summary>
    FinWait1,
    /// <summary>Our FIN acknowledged; waiting for the peer's FIN.</summary>
    FinWait2,
    /// <summary>The peer's FIN received; waiting for the local application to close.</summary>
    CloseWait,
    /// <summary>Both FINs sent (simultaneous close), ours not yet acknowledged.</summary>
    Closing,
    /// <summary>The peer closed first and our FIN is not yet acknowledged.</summary>
    LastAck,
    /// <summary>Waiting 2×MSL so stray segments of this connection die out (RFC 9293 §3.6.1).</summary>
    TimeWait,
}
