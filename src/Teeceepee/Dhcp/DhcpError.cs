namespace Teeceepee.Dhcp;

/// <summary>Why a DHCP message was dropped (RFC 2131 §2, RFC 2132).</summary>
public enum DhcpError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>Shorter than the fixed BOOTP header plus the magic cookie (240 octets).</summary>
    TruncatedHeader,
    /// <summary>op is neither BOOTREQUEST (1) nor BOOTREPLY (2).</summary>
    BadOperation,
    /// <summary>Not Ethernet addresses (htype 1, hlen 6).</summary>
    UnsupportedHardware,
    /// <summary>The options do not start with 99.130.83.99 (RFC 2131 §3).</summary>
    BadMagicCookie,
    /// <summary>An option runs past the end of the message.</summary>
    TruncatedOption,
    /// <summary>An option of a known code has a length that does not fit it.</summary>
    BadOptionLength,
    /// <summary>No DHCP message type (option 53) or one out of range: a plain BOOTP message.</summary>
    MissingMessageType,
}
