using Teeceepee.Tcp;

namespace Teeceepee.Stack;

/// <summary>
/// The rule behind each drop and each TCP state change, in a few words with its RFC section, for traces that teach
/// (<see cref="NetworkStackOptions.ExplainTrace"/>, the CLI's <c>--explain</c>). Keyed by the enums, not by trace text.
/// </summary>
public static class DropExplanations
{
    /// <summary>Why a frame or packet dropped for <paramref name="reason"/> had to go; null for a value without one (a test keeps that from happening).</summary>
    public static string? Explain(DropReason reason) => reason switch
    {
        DropReason.None => "not a drop",
        DropReason.TruncatedHeader => "shorter than its fixed header: nothing in it can be trusted (RFC 791 §3.1, RFC 9293 §3.1)",
        DropReason.TruncatedPayload => "a length field points past the end of the packet (RFC 1122 §3.2.1.2)",
        DropReason.BadChecksum => "checksum does not verify: the packet was damaged in transit, silently discarded (RFC 1122 §3.2.1.2, RFC 9293 §3.1)",
        DropReason.UnsupportedVlan => "802.1Q-tagged frame: this host is not on a VLAN (IEEE 802.1Q)",
        DropReason.UnsupportedEtherType => "EtherType of a protocol this host does not speak (RFC 894)",
        DropReason.UnsupportedArpFormat => "ARP for hardware or protocol other than Ethernet/IPv4 (RFC 826)",
        DropReason.UnsupportedArpOperation => "ARP operation other than request or reply (RFC 826)",
        DropReason.BadVersion => "IP version field is not the one expected (RFC 791 §3.1, RFC 8200 §3)",
        DropReason.BadHeaderLength => "header length field out of range (IHL < 5, TCP data offset < 5; RFC 791 §3.1, RFC 9293 §3.1)",
        DropReason.BadTotalLength => "IPv4 total length disagrees with the header or the frame (RFC 791 §3.1, RFC 1122 §3.2.1.2)",
        DropReason.BadIPv4Option => "malformed IPv4 option (RFC 791 §3.1, RFC 1122 §3.2.1.8)",
        DropReason.BadUdpLength => "UDP length below 8 or past the datagram (RFC 768)",
        DropReason.UnsupportedIcmp => "ICMP type or code this host does not act on (RFC 1122 §3.2.2: unknown types are silently discarded)",
        DropReason.BadTcpOption => "malformed TCP option length (RFC 9293 §3.1: a segment with a bad option length is dropped)",
        DropReason.BadTcpFlags => "flag combination never valid, e.g. SYN with FIN or RST (RFC 9293 §3.1)",
        DropReason.BadPort => "port zero is reserved (RFC 768, RFC 9293 §3.1)",
        DropReason.BadSourceAddress => "broadcast or multicast source address: no host sends from one (RFC 1122 §3.2.1.3)",
        DropReason.BadPayloadLength => "IPv6 payload length past the end of the packet (RFC 8200 §3)",
        DropReason.TooManyExtensionHeaders => "more IPv6 extension headers than a host walks (RFC 8200 §4, RFC 7112)",
        DropReason.BadExtensionHeader => "IPv6 extension header runs past the packet (RFC 8200 §4)",
        DropReason.MisplacedHopByHop => "hop-by-hop options anywhere but first (RFC 8200 §4.1)",
        DropReason.RoutingType0 => "type 0 routing header with segments left is deprecated (RFC 5095 §3)",
        DropReason.UnsupportedRoutingType => "routing header of an unknown type with segments left (RFC 8200 §4.4)",
        DropReason.UnknownNextHeader => "next header value this host does not process (RFC 8200 §4)",
        DropReason.BadExtensionOption => "option runs past its extension header (RFC 8200 §4.2)",
        DropReason.UnrecognizedOption => "unrecognised option whose action bits say discard (RFC 8200 §4.2)",
        DropReason.UnsupportedIcmpv6 => "ICMPv6 message of a type or length this host does not handle (RFC 4443 §2.4)",
        DropReason.BadNdpMessage => "malformed neighbour discovery message (RFC 4861 §6.1, §7.1)",
        DropReason.BadNdpOption => "NDP option of length 0 or wrong for its type (RFC 4861 §4.6)",
        DropReason.BadMldRecord => "MLDv2 address records run past the report (RFC 3810 §5.2)",
        DropReason.ZeroUdpChecksum => "UDP over IPv6 must carry a checksum (RFC 8200 §8.1)",
        DropReason.NotOurMac => "frame for another station's MAC (IEEE 802.3 address filtering)",
        DropReason.NotForUs => "packet for another address: a host does not forward (RFC 1122 §3.3.1)",
        DropReason.ArpNotForUs => "ARP asks for someone else's address: only the target answers (RFC 826)",
        DropReason.ArpAddressConflict => "another station claims our address (RFC 5227 §2.4)",
        DropReason.OwnFrameLooped => "our own transmission came back (a looped link)",
        DropReason.FrameTooLong => "frame longer than the link MTU allows (RFC 894)",
        DropReason.UnknownProtocol => "IP protocol this host does not implement: protocol unreachable sent (RFC 1122 §3.2.2.1)",
        DropReason.NoRoute => "destination neither on-link nor behind a gateway (RFC 1122 §3.3.1.1)",
        DropReason.ArpQueueOverflow => "too many packets waiting for one neighbour's ARP reply: oldest dropped (RFC 1122 §2.3.2.2)",
        DropReason.ArpResolutionFailed => "the next hop never answered ARP (RFC 1122 §2.3.2.1)",
        DropReason.ArpCacheFull => "ARP cache full of unresolved neighbours (RFC 1122 §2.3.2.2)",
        DropReason.FragmentOverlap => "overlapping fragments: the whole datagram is dropped (RFC 5722 §3, RFC 791 §3.2)",
        DropReason.FragmentOfDiscardedDatagram => "fragment of a datagram already discarded (RFC 791 §3.2)",
        DropReason.BogusFragment => "inconsistent fragment: offset or length impossible (RFC 791 §3.2)",
        DropReason.OversizeDatagram => "fragments would make a datagram over 65535 octets (RFC 791 §3.1)",
        DropReason.ReassemblyTimeout => "not every fragment arrived in time (RFC 1122 §3.3.2, RFC 791 §3.2)",
        DropReason.ReassemblyLimit => "fragment exceeds the reassembly buffer (RFC 1122 §3.3.2)",
        DropReason.ReassemblyEvicted => "incomplete datagram evicted for a newer one (RFC 1122 §3.3.2)",
        DropReason.TooManyFragments => "more fragments than one datagram may have here (RFC 1122 §3.3.2)",
        DropReason.DuplicateFragment => "exact copy of a fragment already held (RFC 791 §3.2)",
        DropReason.PortUnreachable => "no socket on that UDP port: port unreachable sent (RFC 1122 §4.1.3.1)",
        DropReason.ReceiveQueueFull => "socket's receive queue full: UDP makes no delivery promise (RFC 768)",
        DropReason.BroadcastEcho => "echo request to a broadcast address may be ignored (RFC 1122 §3.2.2.6)",
        DropReason.IcmpUnmatched => "ICMP reply or error matches no ping, socket or connection (RFC 1122 §3.2.2)",
        DropReason.IcmpRateLimited => "ICMP errors are rate limited (RFC 1812 §4.3.2.8, RFC 1122 §3.2.2)",
        DropReason.LinkSendFailed => "the link refused the frame (queue full or device gone)",
        DropReason.FragmentationNeeded => "larger than the MTU with Don't Fragment set (RFC 1191 §1, RFC 791 §3.1)",
        DropReason.LoopbackQueueFull => "our own loopback queue is full",
        DropReason.InternalError => "a bug: handling the packet threw; it is dropped and the loop goes on",
        _ => null,
    };

    /// <summary>Why TCP dropped a segment for <paramref name="reason"/>; null for a value without one (a test keeps that from happening).</summary>
    public static string? Explain(TcpDropReason reason) => reason switch
    {
        TcpDropReason.None => "not a drop",
        TcpDropReason.Closed => "RFC 9293 §3.10.7.1: the connection is CLOSED and holds no state for the segment",
        TcpDropReason.ResetToClosedPort => "RFC 9293 §3.10.7.1: a RST to a closed port is never answered",
        TcpDropReason.ResetToListener => "RFC 9293 §3.10.7.2: a RST to a listener is ignored",
        TcpDropReason.NoSynToListener => "RFC 9293 §3.10.7.2: a listener only opens on SYN",
        TcpDropReason.AcceptQueueFull => "RFC 9293 §3.10.7.2: accept queue full, the peer's retransmission retries",
        TcpDropReason.SynQueueFull => "RFC 4987 §3.1: SYN queue full and SYN cookies off",
        TcpDropReason.ControlQueueFull => "RFC 5961 §7: host answers (RSTs, cookie SYN-ACKs) are bounded",
        TcpDropReason.SynSentUnacceptableAck => "RFC 9293 §3.10.7.3: in SYN-SENT an ACK that does not acknowledge our SYN, RST sent",
        TcpDropReason.SynSentResetWithoutAck => "RFC 9293 §3.10.7.3, RFC 5961 §3.2: in SYN-SENT a RST without an ACK is ignored",
        TcpDropReason.SynSentNoSyn => "RFC 9293 §3.10.7.3: in SYN-SENT neither SYN nor RST",
        TcpDropReason.OutOfWindow => "RFC 9293 §3.10.7.4: segment outside the receive window, ACK sent",
        TcpDropReason.Paws => "RFC 7323 §5.3: timestamp older than TS.Recent, an old duplicate (PAWS)",
        TcpDropReason.SynReceivedUnacceptableAck => "RFC 9293 §3.10.7.4: in SYN-RECEIVED an ACK outside SND.UNA..SND.NXT, RST sent",
        TcpDropReason.ResetNotAtReceiveNext => "RFC 5961 §3.2: RST in the window but not at RCV.NXT, challenge ACK sent",
        TcpDropReason.SynInSynchronizedState => "RFC 9293 §3.10.7.4, RFC 5961 §4: SYN on an open connection, challenge ACK sent",
        TcpDropReason.NoAck => "RFC 9293 §3.10.7.4: a synchronized connection drops segments without ACK",
        TcpDropReason.AckOfUnsentData => "RFC 9293 §3.10.7.4, RFC 5961 §5.2: ACK of data never sent, ACK sent",
        TcpDropReason.AckTooOld => "RFC 5961 §5.2: ACK far below SND.UNA, a blind injection attempt",
        _ => null,
    };

    /// <summary>The rule that moves a connection from <paramref name="from"/> to <paramref name="to"/> (RFC 9293 §3.3.2, §3.10).</summary>
    public static string Explain(TcpState from, TcpState to) => (from, to) switch
    {
        (TcpState.Closed, TcpState.SynSent) => "RFC 9293 §3.10.1: active OPEN, SYN sent",
        (TcpState.Closed, TcpState.Listen) => "RFC 9293 §3.10.1: passive OPEN, waiting for a SYN",
        (TcpState.Closed, TcpState.SynReceived) or (TcpState.Listen, TcpState.SynReceived) => "RFC 9293 §3.10.7.2: SYN on a listening port, SYN-ACK sent",
        (TcpState.Closed, TcpState.Established) => "RFC 4987 §3.6: ACK carried a valid SYN cookie, connection built",
        (TcpState.SynSent, TcpState.Established) => "RFC 9293 §3.10.7.3: SYN-ACK acknowledged our SYN, ACK sent",
        (TcpState.SynSent, TcpState.SynReceived) => "RFC 9293 §3.10.7.3: simultaneous open, SYN received before our SYN's ACK",
        (TcpState.SynReceived, TcpState.Established) => "RFC 9293 §3.10.7.4: ACK of our SYN-ACK arrived",
        (TcpState.SynReceived, TcpState.Listen) => "RFC 9293 §3.10.7.4: RST in SYN-RECEIVED of a passive open, back to LISTEN",
        (TcpState.SynReceived, TcpState.FinWait1) or (TcpState.Established, TcpState.FinWait1) => "RFC 9293 §3.10.4: CLOSE, FIN sent",
        (TcpState.SynReceived, TcpState.CloseWait) or (TcpState.Established, TcpState.CloseWait) => "RFC 9293 §3.10.7.4 (eighth): peer's FIN received and ACKed, peer is done sending",
        (TcpState.FinWait1, TcpState.FinWait2) => "RFC 9293 §3.10.7.4: our FIN acknowledged, waiting for the peer's",
        (TcpState.FinWait1, TcpState.Closing) => "RFC 9293 §3.10.7.4: simultaneous close, peer's FIN before the ACK of ours",
        (TcpState.FinWait1, TcpState.TimeWait) => "RFC 9293 §3.10.7.4: peer's FIN acknowledged ours too, TIME-WAIT for 2 MSL",
        (TcpState.FinWait2, TcpState.TimeWait) => "RFC 9293 §3.10.7.4: peer's FIN received and ACKed, TIME-WAIT for 2 MSL",
        (TcpState.CloseWait, TcpState.LastAck) => "RFC 9293 §3.10.4: CLOSE after the peer's FIN, our FIN sent",
        (TcpState.Closing, TcpState.TimeWait) => "RFC 9293 §3.10.7.4: our FIN acknowledged, TIME-WAIT for 2 MSL",
        (TcpState.LastAck, TcpState.Closed) => "RFC 9293 §3.10.7.4: our FIN acknowledged, connection gone",
        (TcpState.TimeWait, TcpState.Closed) => "RFC 9293 §3.10.8: 2 MSL passed, sequence space safe to reuse",
        (TcpState.SynSent, TcpState.Closed) => "RFC 9293 §3.10.7.3, §3.10.8: refused by RST, an ICMP error, or the SYN timed out",
        (TcpState.Listen, TcpState.Closed) => "RFC 9293 §3.10.4: listener closed",
        (_, TcpState.Closed) => "RFC 9293 §3.10.7.4, §3.10.8: reset received, aborted, or retransmissions timed out",
        _ => "RFC 9293 §3.3.2: state diagram",
    };
}
