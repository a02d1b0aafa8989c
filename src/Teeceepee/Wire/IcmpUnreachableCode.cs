namespace Teeceepee.Wire;

/// <summary>Codes of ICMP destination unreachable (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1).</summary>
public enum IcmpUnreachableCode : byte
{
    /// <summary>Net unreachable.</summary>
    NetUnreachable = 0,
    /// <summary>Host unreachable.</summary>
    HostUnreachable = 1,
    /// <summary>Protocol unreachable.</summary>
    ProtocolUnreachable = 2,
    /// <summary>Port unreachable.</summary>
    PortUnreachable = 3,
    /// <summary>Fragmentation needed and DF set; carries the next-hop MTU (RFC 1191).</summary>
    FragmentationNeeded = 4,
    /// <summary>Source route failed.</summary>
    SourceRouteFailed = 5,
    /// <summary>Destination network unknown.</summary>
    NetUnknown = 6,
    /// <summary>Destination host unknown.</summary>
    HostUnknown = 7,
    /// <summary>Source host isolated.</summary>
    SourceHostIsolated = 8,
    /// <summary>Network administratively prohibited.</summary>
    NetProhibited = 9,
    /// <summary>Host administratively prohibited.</summary>
    HostProhibited = 10,
    /// <summary>Network unreachable for type of service.</summary>
    NetUnreachableForTos = 11,
    /// <summary>Host unreachable for type of service.</summary>
    HostUnreachableForTos = 12,
    /// <summary>Communication administratively prohibited (RFC 1812).</summary>
    CommunicationProhibited = 13,
    /// <summary>Host precedence violation (RFC 1812).</summary>
    HostPrecedenceViolation = 14,
    /// <summary>Precedence cutoff in effect (RFC 1812).</summary>
    PrecedenceCutoff = 15,
}
