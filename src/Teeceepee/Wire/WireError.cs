namespace Teeceepee.Wire;

/// <summary>Why a parser rejected untrusted bytes. Each value is also a drop reason in the stack's stats.</summary>
public enum WireError : byte
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>The buffer is shorter than the fixed header.</summary>
    TruncatedHeader,
    /// <summary>A length field points past the end of the buffer.</summary>
    TruncatedPayload,
    /// <summary>The checksum does not verify.</summary>
    BadChecksum,
    /// <summary>An 802.1Q / 802.1ad tagged frame: recognised, not supported.</summary>
    UnsupportedVlan,
    /// <summary>An EtherType we do not speak.</summary>
    UnsupportedEtherType,
    /// <summary>ARP for a hardware or protocol type other than Ethernet / IPv4, or wrong address lengths.</summary>
    UnsupportedArpFormat,
    /// <summary>An ARP operation other than request (1) or reply (2).</summary>
    UnsupportedArpOperation,
    /// <summary>The IP version field is not 4.</summary>
    BadVersion,
    /// <summary>IHL or TCP data offset below the minimum or past the buffer.</summary>
    BadHeaderLength,
    /// <summary>IPv4 total length smaller than the header or larger than the buffer.</summary>
    BadTotalLength,
    /// <summary>An IPv4 option is malformed (length 0/1 or past the header).</summary>
    BadIPv4Option,
    /// <summary>The UDP length field is smaller than 8 or larger than the datagram.</summary>
    BadUdpLength,
    /// <summary>An ICMP type or code we do not handle, or a message too short for its type.</summary>
    UnsupportedIcmp,
    /// <summary>A TCP option's length is malformed (0, 1, past the header, or wrong for its kind).</summary>
    BadTcpOption,
    /// <summary>An illegal TCP control combination: two or more of SYN, FIN and RST (a missing ACK is the state machine's call).</summary>
    BadTcpFlags,
    /// <summary>A source or destination port of zero.</summary>
    BadPort,
    /// <summary>A source address that may not appear as a sender (broadcast, multicast).</summary>
    BadSourceAddress,
}
