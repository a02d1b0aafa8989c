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
    /// <summary>An IPv6 payload length past the end of the buffer (RFC 8200 §3).</summary>
    BadPayloadLength,
    /// <summary>More IPv6 extension headers, or more octets of them, than the walk allows.</summary>
    TooManyExtensionHeaders,
    /// <summary>An IPv6 extension header that runs past the packet, or a fragment header of the wrong size.</summary>
    BadExtensionHeader,
    /// <summary>A hop-by-hop options header anywhere but right after the IPv6 header (RFC 8200 §4.1).</summary>
    MisplacedHopByHop,
    /// <summary>A type 0 routing header with segments left (RFC 5095 §3).</summary>
    RoutingType0,
    /// <summary>A routing header of a type we do not implement with segments left (RFC 8200 §4.4).</summary>
    UnsupportedRoutingType,
    /// <summary>A next header value that is neither an extension header we walk nor TCP, UDP, ICMPv6 or "no next header".</summary>
    UnknownNextHeader,
    /// <summary>An option in a hop-by-hop or destination options header runs past its header.</summary>
    BadExtensionOption,
    /// <summary>An unrecognised option whose action bits say discard (RFC 8200 §4.2).</summary>
    UnrecognizedOption,
    /// <summary>An ICMPv6 type or code we do not handle, or a message too short for its type.</summary>
    UnsupportedIcmpv6,
    /// <summary>An NDP message too short for its type, with a non-zero code, or with a malformed field (RFC 4861 §6.1, §7.1).</summary>
    BadNdpMessage,
    /// <summary>An NDP option of length 0, past the message, or of the wrong length for its type (RFC 4861 §4.6).</summary>
    BadNdpOption,
    /// <summary>An MLDv2 report whose address records run past the message (RFC 3810 §5.2).</summary>
    BadMldRecord,
    /// <summary>A UDP datagram over IPv6 with a zero checksum field (RFC 8200 §8.1).</summary>
    ZeroUdpChecksum,
}
