namespace Teeceepee.Wire;

/// <summary>The ICMPv4 message type (RFC 792; IANA "ICMP Type Numbers").</summary>
public enum IcmpType : byte
{
    /// <summary>Echo reply (decoded).</summary>
    EchoReply = 0,
    /// <summary>Destination unreachable (decoded, all codes).</summary>
    DestinationUnreachable = 3,
    /// <summary>Source quench (deprecated by RFC 6633; counted, not decoded).</summary>
    SourceQuench = 4,
    /// <summary>Redirect (counted, not decoded).</summary>
    Redirect = 5,
    /// <summary>Echo request (decoded).</summary>
    EchoRequest = 8,
    /// <summary>Router advertisement (RFC 1256; counted, not decoded).</summary>
    RouterAdvertisement = 9,
    /// <summary>Router solicitation (RFC 1256; counted, not decoded).</summary>
    RouterSolicitation = 10,
    /// <summary>Time exceeded (decoded).</summary>
    TimeExceeded = 11,
    /// <summary>Parameter problem (decoded: the pointer and the quoted datagram).</summary>
    ParameterProblem = 12,
    /// <summary>Timestamp request (counted, not decoded).</summary>
    Timestamp = 13,
    /// <summary>Timestamp reply (counted, not decoded).</summary>
    TimestampReply = 14,
}
