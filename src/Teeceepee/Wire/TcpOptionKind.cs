namespace Teeceepee.Wire;

/// <summary>TCP option kinds we decode (IANA "TCP Option Kind Numbers").</summary>
public enum TcpOptionKind : byte
{
    /// <summary>End of option list (RFC 9293 §3.2), one octet.</summary>
    EndOfList = 0,
    /// <summary>No-operation padding (RFC 9293 §3.2), one octet.</summary>
    NoOperation = 1,
    /// <summary>Maximum segment size, length 4 (RFC 9293 §3.2).</summary>
    MaxSegmentSize = 2,
    /// <summary>Window scale, length 3 (RFC 7323 §2).</summary>
    WindowScale = 3,
    /// <summary>SACK permitted, length 2 (RFC 2018 §2).</summary>
    SackPermitted = 4,
    /// <summary>SACK, length 2 + 8n (RFC 2018 §3).</summary>
    Sack = 5,
    /// <summary>Timestamps, length 10 (RFC 7323 §3).</summary>
    Timestamps = 8,
    /// <summary>TCP Fast Open cookie, length 2 or 6-18 (RFC 7413 §4.1.1).</summary>
    FastOpen = 34,
}
