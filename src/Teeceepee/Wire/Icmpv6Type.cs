namespace Teeceepee.Wire;

/// <summary>ICMPv6 message types (RFC 4443 §2.1, RFC 4861 §4, RFC 3810 §5).</summary>
public enum Icmpv6Type : byte
{
    /// <summary>Destination unreachable (RFC 4443 §3.1).</summary>
    DestinationUnreachable = 1,
    /// <summary>Packet too big (RFC 4443 §3.2).</summary>
    PacketTooBig = 2,
    /// <summary>Time exceeded (RFC 4443 §3.3).</summary>
    TimeExceeded = 3,
    /// <summary>Parameter problem (RFC 4443 §3.4).</summary>
    ParameterProblem = 4,
    /// <summary>Echo request (RFC 4443 §4.1).</summary>
    EchoRequest = 128,
    /// <summary>Echo reply (RFC 4443 §4.2).</summary>
    EchoReply = 129,
    /// <summary>Multicast listener query (RFC 2710, RFC 3810 §5.1).</summary>
    MulticastListenerQuery = 130,
    /// <summary>MLDv1 report (RFC 2710).</summary>
    MulticastListenerReport = 131,
    /// <summary>MLDv1 done (RFC 2710).</summary>
    MulticastListenerDone = 132,
    /// <summary>Router solicitation (RFC 4861 §4.1).</summary>
    RouterSolicitation = 133,
    /// <summary>Router advertisement (RFC 4861 §4.2).</summary>
    RouterAdvertisement = 134,
    /// <summary>Neighbor solicitation (RFC 4861 §4.3).</summary>
    NeighborSolicitation = 135,
    /// <summary>Neighbor advertisement (RFC 4861 §4.4).</summary>
    NeighborAdvertisement = 136,
    /// <summary>Redirect (RFC 4861 §4.5).</summary>
    Redirect = 137,
    /// <summary>MLDv2 report (RFC 3810 §5.2).</summary>
    Mldv2Report = 143,
}
