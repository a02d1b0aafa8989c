using System.Globalization;
using System.Text;
using Teeceepee.Tcp;

namespace Teeceepee.Stack;

/// <summary>A point-in-time copy of a stack's counters (see <see cref="NetworkStack.Stats"/>).</summary>
public sealed record NetworkStackStats
{
    /// <summary>Frames received from the link.</summary>
    public long FramesIn { get; init; }
    /// <summary>Frames handed to the link.</summary>
    public long FramesOut { get; init; }
    /// <summary>Octets received from the link (link header included).</summary>
    public long BytesIn { get; init; }
    /// <summary>Octets handed to the link (link header included).</summary>
    public long BytesOut { get; init; }
    /// <summary>ARP requests received (for us or not).</summary>
    public long ArpRequestsIn { get; init; }
    /// <summary>ARP replies received.</summary>
    public long ArpRepliesIn { get; init; }
    /// <summary>ARP requests sent (resolution, refresh and gratuitous).</summary>
    public long ArpRequestsOut { get; init; }
    /// <summary>ARP replies sent.</summary>
    public long ArpRepliesOut { get; init; }
    /// <summary>IPv4 packets received (valid headers, fragments counted individually).</summary>
    public long IPv4PacketsIn { get; init; }
    /// <summary>IPv4 packets sent (fragments counted individually).</summary>
    public long IPv4PacketsOut { get; init; }
    /// <summary>Fragments received.</summary>
    public long FragmentsIn { get; init; }
    /// <summary>Fragments sent.</summary>
    public long FragmentsOut { get; init; }
    /// <summary>Datagrams completed by reassembly.</summary>
    public long DatagramsReassembled { get; init; }
    /// <summary>Datagrams split into fragments on send.</summary>
    public long DatagramsFragmented { get; init; }
    /// <summary>ICMP messages received, by type.</summary>
    public required IcmpCounts IcmpIn { get; init; }
    /// <summary>ICMP messages sent, by type.</summary>
    public required IcmpCounts IcmpOut { get; init; }
    /// <summary>UDP datagrams delivered to a socket.</summary>
    public long UdpDatagramsIn { get; init; }
    /// <summary>UDP datagrams sent.</summary>
    public long UdpDatagramsOut { get; init; }
    /// <summary>TCP segments handed to the TCP host.</summary>
    public long TcpSegmentsIn { get; init; }
    /// <summary>TCP segments sent, counted as on the wire: a super-segment counts the segments the link cuts it into.</summary>
    public long TcpSegmentsOut { get; init; }
    /// <summary>TCP super-segments handed to the link to cut (segmentation offload, TSO); each is one frame in <see cref="FramesOut"/>.</summary>
    public long SuperFramesOut { get; init; }
    /// <summary>TCP segments retransmitted (timeouts, fast and SACK retransmits), by every connection.</summary>
    public long TcpRetransmissions { get; init; }
    /// <summary>TCP RST segments sent (by connections and for closed ports).</summary>
    public long TcpResetsSent { get; init; }
    /// <summary>TCP RST segments received.</summary>
    public long TcpResetsReceived { get; init; }
    /// <summary>TCP connections in TIME-WAIT now (compact records, issue 13).</summary>
    public long TcpTimeWait { get; init; }
    /// <summary>Connections that skipped TIME-WAIT because the table was at <c>TcpConfig.MaxTimeWaitRecords</c> (Linux: TCPTimeWaitOverflow).</summary>
    public long TcpTimeWaitSkipped { get; init; }
    /// <summary>TIME-WAIT 4-tuples reopened by a new SYN (RFC 6191).</summary>
    public long TcpTimeWaitReopened { get; init; }
    /// <summary>IPv6 packets received (valid headers, fragments counted individually).</summary>
    public long IPv6PacketsIn { get; init; }
    /// <summary>IPv6 packets sent (fragments counted individually).</summary>
    public long IPv6PacketsOut { get; init; }
    /// <summary>IPv6 fragments received.</summary>
    public long IPv6FragmentsIn { get; init; }
    /// <summary>IPv6 fragments sent.</summary>
    public long IPv6FragmentsOut { get; init; }
    /// <summary>IPv6 datagrams completed by reassembly.</summary>
    public long IPv6DatagramsReassembled { get; init; }
    /// <summary>MLDv2 reports sent (joining solicited-node groups, answering queries).</summary>
    public long MldReportsOut { get; init; }
    /// <summary>Our addresses found duplicate by DAD.</summary>
    public long DuplicateAddresses { get; init; }
    /// <summary>Neighbour cache entries evicted (least recently used) to make room: the cache is full (RFC 4861 §7.3 leaves the limit to the host).</summary>
    public long NeighborCacheEvictions { get; init; }
    /// <summary>Frames this loop read from its own link (its queue of a multi-queue device), before any hand-over.</summary>
    public long LinkFramesIn { get; init; }
    /// <summary>Frames this loop read but another loop of the group owns (or every loop must see), passed on to it.</summary>
    public long FramesHandedOver { get; init; }
    /// <summary>Frames another loop of the group read and handed to this one.</summary>
    public long FramesTakenOver { get; init; }
    /// <summary>ICMPv6 messages received (NDP and MLD included), indexed by ICMPv6 type (RFC 4443).</summary>
    public IcmpCounts Icmpv6In { get; init; } = new(new long[256]);
    /// <summary>ICMPv6 messages sent, indexed by ICMPv6 type.</summary>
    public IcmpCounts Icmpv6Out { get; init; } = new(new long[256]);
    /// <summary>Drops by reason.</summary>
    public required DropCounts Drops { get; init; }
    /// <summary>TCP segments dropped, by reason (RFC 9293 §3.10.7's checks, RFC 5961, RFC 7323 PAWS, listener queues).</summary>
    public TcpDropCounts TcpDrops { get; init; } = new(new long[TcpDropCounts.Size]);

    /// <summary>The non-zero counters as <c>name=value</c> pairs, then the drops and TCP's drops by reason: one line to log.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        void Add(string name, long value)
        {
            if (value != 0)
                sb.Append(CultureInfo.InvariantCulture, $"{(sb.Length == 0 ? "" : " ")}{name}={value}");
        }
        Add("frames_in", FramesIn);
        Add("frames_out", FramesOut);
        Add("bytes_in", BytesIn);
        Add("bytes_out", BytesOut);
        Add("arp_requests_in", ArpRequestsIn);
        Add("arp_replies_in", ArpRepliesIn);
        Add("arp_requests_out", ArpRequestsOut);
        Add("arp_replies_out", ArpRepliesOut);
        Add("ipv4_in", IPv4PacketsIn);
        Add("ipv4_out", IPv4PacketsOut);
        Add("fragments_in", FragmentsIn);
        Add("fragments_out", FragmentsOut);
        Add("reassembled", DatagramsReassembled);
        Add("fragmented", DatagramsFragmented);
        Add("icmp_in", IcmpIn.Total);
        Add("icmp_out", IcmpOut.Total);
        Add("udp_in", UdpDatagramsIn);
        Add("udp_out", UdpDatagramsOut);
        Add("tcp_in", TcpSegmentsIn);
        Add("tcp_out", TcpSegmentsOut);
        Add("tcp_super_frames_out", SuperFramesOut);
        Add("tcp_retransmissions", TcpRetransmissions);
        Add("tcp_resets_out", TcpResetsSent);
        Add("tcp_resets_in", TcpResetsReceived);
        Add("frames_handed_over", FramesHandedOver);
        Add("frames_taken_over", FramesTakenOver);
        Add("tcp_time_wait", TcpTimeWait);
        Add("tcp_time_wait_skipped", TcpTimeWaitSkipped);
        Add("tcp_time_wait_reopened", TcpTimeWaitReopened);
        Add("ipv6_in", IPv6PacketsIn);
        Add("ipv6_out", IPv6PacketsOut);
        Add("ipv6_fragments_in", IPv6FragmentsIn);
        Add("ipv6_fragments_out", IPv6FragmentsOut);
        Add("ipv6_reassembled", IPv6DatagramsReassembled);
        Add("icmpv6_in", Icmpv6In.Total);
        Add("icmpv6_out", Icmpv6Out.Total);
        Add("mld_reports_out", MldReportsOut);
        Add("duplicate_addresses", DuplicateAddresses);
        Add("neighbor_evictions", NeighborCacheEvictions);
        Add("link_frames_in", LinkFramesIn);
        if (sb.Length == 0)
            sb.Append("no traffic");
        sb.Append("; drops: ").Append(Drops.Total == 0 ? "none" : Drops.ToString());
        if (TcpDrops.Total != 0)
            sb.Append("; tcp drops: ").Append(TcpDrops.ToString());
        return sb.ToString();
    }
}
