namespace Teeceepee.Dns;

/// <summary>Why a DNS message was rejected (RFC 1035 §4).</summary>
public enum DnsError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>Shorter than the 12-octet header.</summary>
    TruncatedHeader,
    /// <summary>A name, question or record runs past the end of the message.</summary>
    TruncatedRecord,
    /// <summary>A label length octet with the reserved 0x40 or 0x80 prefix (RFC 1035 §4.1.4, RFC 6891 §5).</summary>
    BadLabelType,
    /// <summary>A label longer than 63 octets, or an empty label inside a name (building only).</summary>
    BadLabel,
    /// <summary>A name longer than 255 octets on the wire (RFC 1035 §2.3.4).</summary>
    NameTooLong,
    /// <summary>A compression pointer past the message or not strictly backwards.</summary>
    BadPointer,
    /// <summary>Compression pointers that would revisit a part of the name (a loop).</summary>
    PointerLoop,
    /// <summary>RDLENGTH past the message, or wrong for the type (an A record that is not 4 octets).</summary>
    BadRecordLength,
}
