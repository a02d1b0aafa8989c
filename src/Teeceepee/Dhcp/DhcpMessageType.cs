namespace Teeceepee.Dhcp;

/// <summary>Option 53, the DHCP message type (RFC 2132 §9.6).</summary>
public enum DhcpMessageType : byte
{
    /// <summary>Client broadcast to locate servers.</summary>
    Discover = 1,
    /// <summary>Server to client with an offer of parameters.</summary>
    Offer = 2,
    /// <summary>Client: accept an offer, confirm, or extend a lease.</summary>
    Request = 3,
    /// <summary>Client to server: the address is already in use.</summary>
    Decline = 4,
    /// <summary>Server to client with the committed parameters.</summary>
    Ack = 5,
    /// <summary>Server to client: the client's notion of its address is wrong, or its lease expired.</summary>
    Nak = 6,
    /// <summary>Client to server: give up the lease.</summary>
    Release = 7,
    /// <summary>Client to server: local parameters only.</summary>
    Inform = 8,
}
