using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// Why the stack dropped a frame or packet. The first values mirror <see cref="WireError"/> one to one
/// (same names, same numbers) so a parser's reason converts with a cast; stack reasons start at 64.
/// </summary>
public enum DropReason : byte
{
    /// <summary>No drop.</summary>
    None = WireError.None,
    /// <summary>The buffer is shorter than the fixed header.</summary>
    TruncatedHeader = WireError.TruncatedHeader,
    /// <summary>A length field points past the end of the buffer.</summary>
    TruncatedPayload = WireError.TruncatedPayload,
    /// <summary>A checksum does not verify.</summary>
    BadChecksum = WireError.BadChecksum,
    /// <summary>An 802.1Q / 802.1ad tagged frame.</summary>
    UnsupportedVlan = WireError.UnsupportedVlan,
    /// <summary>An EtherType we do not speak.</summary>
    UnsupportedEtherType = WireError.UnsupportedEtherType,
    /// <summary>ARP for something other than Ethernet / IPv4.</summary>
    UnsupportedArpFormat = WireError.UnsupportedArpFormat,
    /// <summary>An ARP operation other than request or reply.</summary>
    UnsupportedArpOperation = WireError.UnsupportedArpOperation,
    /// <summary>The IP version field is not 4.</summary>
    BadVersion = WireError.BadVersion,
    /// <summary>IHL or TCP data offset out of range.</summary>
    BadHeaderLength = WireError.BadHeaderLength,
    /// <summary>IPv4 total length inconsistent with the header or the frame.</summary>
    BadTotalLength = WireError.BadTotalLength,
    /// <summary>A malformed IPv4 option.</summary>
    BadIPv4Option = WireError.BadIPv4Option,
    /// <summary>A UDP length field out of range.</summary>
    BadUdpLength = WireError.BadUdpLength,
    /// <summary>An ICMP type or code we do not handle.</summary>
    UnsupportedIcmp = WireError.UnsupportedIcmp,
    /// <summary>A malformed TCP option.</summary>
    BadTcpOption = WireError.BadTcpOption,
    /// <summary>An illegal TCP flag combination.</summary>
    BadTcpFlags = WireError.BadTcpFlags,
    /// <summary>A port of zero.</summary>
    BadPort = WireError.BadPort,
    /// <summary>A broadcast or multicast source address.</summary>
    BadSourceAddress = WireError.BadSourceAddress,
    /// <summary>An IPv6 payload length past the end of the buffer (RFC 8200 §3).</summary>
    BadPayloadLength = WireError.BadPayloadLength,
    /// <summary>More IPv6 extension headers, or more octets of them, than the walk allows.</summary>
    TooManyExtensionHeaders = WireError.TooManyExtensionHeaders,
    /// <summary>An IPv6 extension header that runs past the packet, or a fragment header of the wrong size.</summary>
    BadExtensionHeader = WireError.BadExtensionHeader,
    /// <summary>A hop-by-hop options header anywhere but right after the IPv6 header (RFC 8200 §4.1).</summary>
    MisplacedHopByHop = WireError.MisplacedHopByHop,
    /// <summary>A type 0 routing header with segments left (RFC 5095 §3).</summary>
    RoutingType0 = WireError.RoutingType0,
    /// <summary>A routing header of a type we do not implement with segments left (RFC 8200 §4.4).</summary>
    UnsupportedRoutingType = WireError.UnsupportedRoutingType,
    /// <summary>A next header value that is neither an extension header we walk nor TCP, UDP, ICMPv6 or "no next header".</summary>
    UnknownNextHeader = WireError.UnknownNextHeader,
    /// <summary>An option in a hop-by-hop or destination options header runs past its header.</summary>
    BadExtensionOption = WireError.BadExtensionOption,
    /// <summary>An unrecognised option whose action bits say discard (RFC 8200 §4.2).</summary>
    UnrecognizedOption = WireError.UnrecognizedOption,
    /// <summary>An ICMPv6 type or code we do not handle, or a message too short for its type.</summary>
    UnsupportedIcmpv6 = WireError.UnsupportedIcmpv6,
    /// <summary>An NDP message too short for its type, with a non-zero code, or with a malformed field (RFC 4861 §6.1, §7.1).</summary>
    BadNdpMessage = WireError.BadNdpMessage,
    /// <summary>An NDP option of length 0, past the message, or of the wrong length for its type (RFC 4861 §4.6).</summary>
    BadNdpOption = WireError.BadNdpOption,
    /// <summary>An MLDv2 report whose address records run past the message (RFC 3810 §5.2).</summary>
    BadMldRecord = WireError.BadMldRecord,
    /// <summary>A UDP datagram over IPv6 with a zero checksum field (RFC 8200 §8.1).</summary>
    ZeroUdpChecksum = WireError.ZeroUdpChecksum,

    /// <summary>An Ethernet frame addressed to another station (or to a multicast group we did not join).</summary>
    NotOurMac = 64,
    /// <summary>An IPv4 packet addressed to another host: we are a host, not a router (RFC 1122 §3.3.1).</summary>
    NotForUs,
    /// <summary>An ARP packet whose target is another host (RFC 826: only the target answers).</summary>
    ArpNotForUs,
    /// <summary>An ARP packet claiming our own address from another station (address conflict).</summary>
    ArpAddressConflict,
    /// <summary>A frame whose source is our own MAC (a looped-back copy of our own transmission).</summary>
    OwnFrameLooped,
    /// <summary>A received frame longer than the link MTU allows.</summary>
    FrameTooLong,
    /// <summary>An IPv4 packet with a protocol we do not implement (ICMP protocol unreachable is sent).</summary>
    UnknownProtocol,
    /// <summary>An outgoing packet for a destination that is neither on-link nor reachable via a gateway.</summary>
    NoRoute,
    /// <summary>A packet waiting for ARP resolution pushed out of its neighbour's bounded queue (oldest first).</summary>
    ArpQueueOverflow,
    /// <summary>A packet that waited for a neighbour that never answered ARP.</summary>
    ArpResolutionFailed,
    /// <summary>The ARP cache is full of unresolved neighbours; the new one could not be tracked.</summary>
    ArpCacheFull,
    /// <summary>A fragment that overlaps another fragment of the same datagram: the whole datagram is dropped (RFC 5722 spirit).</summary>
    FragmentOverlap,
    /// <summary>A fragment of a datagram already discarded (overlap, oversize or too many fragments).</summary>
    FragmentOfDiscardedDatagram,
    /// <summary>A fragment that is inconsistent: a non-final fragment not a multiple of 8 octets, data past the final fragment, or a second different final fragment.</summary>
    BogusFragment,
    /// <summary>A fragment that would make the datagram larger than 65535 octets.</summary>
    OversizeDatagram,
    /// <summary>A datagram whose fragments did not all arrive in time (counted once per datagram).</summary>
    ReassemblyTimeout,
    /// <summary>A fragment refused because it alone does not fit the reassembly byte limit.</summary>
    ReassemblyLimit,
    /// <summary>An incomplete datagram evicted (oldest first) to make room for a new one (counted once per datagram).</summary>
    ReassemblyEvicted,
    /// <summary>A datagram with more fragments than the reassembler tracks.</summary>
    TooManyFragments,
    /// <summary>An exact duplicate of a fragment already held.</summary>
    DuplicateFragment,
    /// <summary>A UDP datagram for a port nobody listens on (ICMP port unreachable is sent, rate limited).</summary>
    PortUnreachable,
    /// <summary>A UDP datagram refused because the socket's receive queue was full.</summary>
    ReceiveQueueFull,
    /// <summary>An ICMP echo request sent to a broadcast address (RFC 1122 §3.2.2.6 permits ignoring it).</summary>
    BroadcastEcho,
    /// <summary>An ICMP error or reply that matched no socket, ping or connection.</summary>
    IcmpUnmatched,
    /// <summary>An ICMP error we chose not to send because the token bucket was empty (RFC 1812 §4.3.2.8).</summary>
    IcmpRateLimited,
    /// <summary>The link refused an outgoing frame (queue full or device gone).</summary>
    LinkSendFailed,
    /// <summary>An outgoing datagram larger than the MTU with Don't Fragment set.</summary>
    FragmentationNeeded,
    /// <summary>A datagram to our own address found the loopback queue full.</summary>
    LoopbackQueueFull,
    /// <summary>A frame for a flow another loop of the group owns found that loop's hand-over queue full.</summary>
    HandoverQueueFull,
    /// <summary>An IPv6 frame reached a stack with IPv6 off (<see cref="NetworkStackOptions.IPv6"/>).</summary>
    IPv6Disabled,
    /// <summary>A neighbour discovery message whose hop limit is not 255: it may come from off-link (RFC 4861 §6.1, §7.1).</summary>
    NdpBadHopLimit,
    /// <summary>A neighbour discovery message with a source it must not have (an RA not from link-local, an NS from :: with a link-layer option).</summary>
    NdpBadSource,
    /// <summary>A neighbour solicitation or advertisement for an address that is not ours and that we are not resolving.</summary>
    NdpNotOurTarget,
    /// <summary>A router solicitation or redirect: a host ignores them (RFC 4861 §6.2.6, §8.1 is not implemented).</summary>
    NdpIgnored,
    /// <summary>Duplicate address detection found another node using one of our addresses (RFC 4862 §5.4.5).</summary>
    DuplicateAddress,
    /// <summary>A packet waiting for neighbour resolution pushed out of its bounded queue (oldest first).</summary>
    NeighborQueueOverflow,
    /// <summary>A packet that waited for a neighbour that never answered (RFC 4861 §7.3.3).</summary>
    NeighborResolutionFailed,
    /// <summary>The neighbour cache is full of neighbours being resolved; the new one could not be tracked.</summary>
    NeighborCacheFull,
    /// <summary>A packet to one of our addresses while it is still tentative (RFC 4862 §5.4).</summary>
    TentativeAddress,
    /// <summary>An MLD message: a host that only joins solicited-node groups answers queries and ignores the rest.</summary>
    MldIgnored,
    /// <summary>A transport the IPv6 host does not deliver yet.</summary>
    IPv6TransportUnsupported,
    /// <summary>Handling the frame threw (a bug): the frame is dropped, the loop goes on, the trace has the exception.</summary>
    InternalError,
    /// <summary>A SYN left unanswered because its loop turn was overloaded (frames still waiting) and the turn's SYN budget was spent (<see cref="NetworkStackOptions.OverloadSynBudget"/>).</summary>
    SynDroppedOverload,
}
