namespace Teeceepee.Dhcp;

/// <summary>The client states of RFC 2131 §4.4 (Figure 5), without INIT-REBOOT and REBOOTING.</summary>
public enum DhcpState : byte
{
    /// <summary>Not started, or stopped.</summary>
    Stopped,
    /// <summary>About to broadcast DHCPDISCOVER.</summary>
    Init,
    /// <summary>DISCOVER sent; waiting for an OFFER.</summary>
    Selecting,
    /// <summary>REQUEST for an offer sent; waiting for ACK or NAK.</summary>
    Requesting,
    /// <summary>Holding a lease.</summary>
    Bound,
    /// <summary>Past T1: extending the lease with the server that granted it (unicast).</summary>
    Renewing,
    /// <summary>Past T2: extending the lease with any server (broadcast).</summary>
    Rebinding,
}
