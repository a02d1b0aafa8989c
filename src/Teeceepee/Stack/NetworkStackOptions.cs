using System.Net;
using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>How a <see cref="NetworkStack"/> is configured: its address, neighbours, clock and limits.</summary>
public sealed record NetworkStackOptions
{
    /// <summary>Options for a stack at <paramref name="address"/>/<paramref name="prefixLength"/> (System.Net types), the rest default.</summary>
    /// <exception cref="ArgumentException">An address is not IPv4.</exception>
    public static NetworkStackOptions Create(IPAddress address, int prefixLength = 24, IPAddress? gateway = null) => new()
    {
        Address = IPv4Address.FromIPAddress(address),
        PrefixLength = prefixLength,
        Gateway = gateway is null ? null : IPv4Address.FromIPAddress(gateway),
    };

    /// <summary>The stack's own IPv4 address.</summary>
    public required IPv4Address Address { get; init; }

    /// <summary>
    /// The stack disposes its link when it is disposed (after its loop stopped), so a <c>await using var stack = new
    /// NetworkStack(new TapLink("tap0"), ...)</c> cleans up both; false (the default) leaves the link to the caller.
    /// </summary>
    public bool OwnsLink { get; init; }

    /// <summary>The on-link prefix length (e.g. 24 for 198.18.0.0/24).</summary>
    public int PrefixLength { get; init; } = 24;

    /// <summary>The default gateway for destinations off the prefix; none when null.</summary>
    public IPv4Address? Gateway { get; init; }

    /// <summary>Static IPv6 addresses with their prefix lengths (beside the link-local address every Ethernet stack forms).</summary>
    public IReadOnlyList<IPv6AddressPrefix> IPv6Addresses { get; init; } = [];

    /// <summary>The default IPv6 router for destinations off every prefix; none when null (routers learned from RAs are used too).</summary>
    public IPv6Address? IPv6Gateway { get; init; }

    /// <summary>
    /// Stateless address autoconfiguration (RFC 4862): solicit routers at start, form addresses from the prefixes
    /// of their advertisements and take them as default routers. Off: RAs still teach routers, MTU and DNS servers.
    /// </summary>
    public bool Slaac { get; init; }

    /// <summary>
    /// Speak IPv6 (link-local address, NDP, ICMPv6) even without an IPv6 setting; it is on anyway whenever
    /// <see cref="IPv6Addresses"/>, <see cref="IPv6Gateway"/> or <see cref="Slaac"/> is given. Off: IPv6 frames are dropped.
    /// </summary>
    public bool IPv6 { get; init; }

    /// <summary>
    /// The secret key of stable interface identifiers (RFC 7217 §5). Null (the default): a key derived from this host's
    /// machine ID (/etc/machine-id) by a keyed hash with a Teeceepee-specific label, so an interface (the link's
    /// <c>InterfaceName</c>, else the MAC) keeps its addresses across starts; random per stack on a host without one.
    /// Set it to choose the key yourself (e.g. to keep addresses when the machine ID changes, or to separate two stacks).
    /// </summary>
    public byte[]? StableSecret { get; init; }

    /// <summary>Neighbor solicitations sent for duplicate address detection (RFC 4862 §5.1 DupAddrDetectTransmits; 0 turns DAD off).</summary>
    public int DadTransmits { get; init; } = 1;

    /// <summary>Router solicitations sent at start (RFC 4861 §10 MAX_RTR_SOLICITATIONS).</summary>
    public int RouterSolicitations { get; init; } = 3;

    /// <summary>IPv6 neighbours the neighbour cache tracks (bounded: a flood of solicitations cannot grow it).</summary>
    public int NeighborCacheCapacity { get; init; } = 256;

    /// <summary>Packets that may wait for one neighbour's resolution (oldest dropped first).</summary>
    public int NeighborQueueCapacity { get; init; } = 64;

    /// <summary>Destinations whose path MTU (RFC 8201) is remembered.</summary>
    public int PathMtuCacheCapacity { get; init; } = 1024;

    /// <summary>How long a lowered path MTU is kept before the link MTU is tried again (RFC 8201 §4: at least 5 minutes, 10 suggested).</summary>
    public TimeSpan PathMtuAge { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Our MAC on Ethernet links; default: the link's own address, else a random locally administered one.</summary>
    public MacAddress? HardwareAddress { get; init; }

    /// <summary>The IP MTU; default (null) the link's. Never larger than the link's.</summary>
    public int? Mtu { get; init; }

    /// <summary>The clock of the real-time runner (<see cref="NetworkStack.Start"/>).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Seed for every random choice (MAC, ephemeral ports, IP identification, ping identifiers); null for a random seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Receives one line per notable event (ARP, drops with their reason, ICMP errors); null for none.</summary>
    public Action<string>? Trace { get; init; }

    /// <summary>
    /// With <see cref="Trace"/>: each drop line names the rule behind it and each TCP state change says why, with the
    /// RFC section (<see cref="DropExplanations"/>), so a connection's life reads from the trace.
    /// </summary>
    public bool ExplainTrace { get; init; }

    /// <summary>Receives every TCP connection's cwnd, ssthresh and RTT samples as they change (plots); null for none.</summary>
    public ITcpProbe? TcpProbe { get; init; }

    /// <summary>A name for metrics tags and trace lines; default: the address.</summary>
    public string? Name { get; init; }

    /// <summary>TTL of the datagrams we originate (RFC 1122 §3.2.1.7; 64 like Linux).</summary>
    public byte TimeToLive { get; init; } = IPv4Repr.DefaultTimeToLive;

    /// <summary>Announce our address with a gratuitous ARP request at the first poll.</summary>
    public bool SendGratuitousArp { get; init; } = true;

    /// <summary>Neighbours the ARP cache tracks.</summary>
    public int ArpCacheCapacity { get; init; } = 256;

    /// <summary>Frames that may wait for one neighbour's resolution (oldest dropped first).</summary>
    public int ArpQueueCapacity { get; init; } = 64;

    /// <summary>ARP requests sent before a neighbour is declared unreachable.</summary>
    public int ArpRequestCount { get; init; } = 3;

    /// <summary>Time between ARP requests for one neighbour.</summary>
    public TimeSpan ArpRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a learned mapping is trusted.</summary>
    public TimeSpan ArpReachableTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A mapping used within this long of its expiry is refreshed with a unicast request.</summary>
    public TimeSpan ArpRefreshBefore { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Datagrams reassembled at once.</summary>
    public int ReassemblyMaxDatagrams { get; init; } = 16;

    /// <summary>Fragment octets held at once, over all datagrams.</summary>
    public int ReassemblyMaxBytes { get; init; } = 256 * 1024;

    /// <summary>Fragments one datagram may have.</summary>
    public int ReassemblyMaxFragments { get; init; } = 64;

    /// <summary>How long a datagram's fragments are kept waiting for the rest (RFC 1122 §3.3.2: 60 s to 120 s recommended; Linux uses 30 s).</summary>
    public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>ICMP errors (unreachable, time exceeded) sent per second at most, on average.</summary>
    public double IcmpErrorsPerSecond { get; init; } = 100;

    /// <summary>ICMP errors that may be sent in one burst.</summary>
    public int IcmpErrorBurst { get; init; } = 50;

    /// <summary>Datagrams a UDP socket holds unread before it drops new ones.</summary>
    public int UdpReceiveQueueCapacity { get; init; } = 256;

    /// <summary>Default TCP settings; null: <see cref="TcpConfig.Default"/> with the MSS derived from the MTU.</summary>
    public TcpConfig? Tcp { get; init; }

    /// <summary>
    /// The congestion controller of the stack's connections (CLI <c>--congestion</c>); null keeps <see cref="Tcp"/>'s
    /// (CUBIC by default). A connection may still choose its own (<see cref="Sockets.TcpConnectionOptions.CongestionControl"/>).
    /// </summary>
    public CongestionAlgorithm? CongestionControl { get; init; }

    /// <summary>ECN for the stack's connections (RFC 3168, CLI <c>--ecn</c>); null keeps <see cref="Tcp"/>'s (passive by default).</summary>
    public EcnMode? Ecn { get; init; }

    /// <summary>TCP Fast Open (RFC 7413) for the stack's listeners and connections (CLI <c>--fastopen</c>); null keeps <see cref="Tcp"/>'s (off).</summary>
    public bool? FastOpen { get; init; }

    /// <summary>
    /// Pace CUBIC and NewReno at Linux's rate (<see cref="Tcp.TcpConfig.Pacing"/>: as Linux under the fq qdisc); null
    /// keeps the default (off). BBR always paces.
    /// </summary>
    public bool? Pacing { get; init; }
    /// <summary>SYNs a second the stack's listeners take (CLI <c>--syn-rate</c>; token bucket, excess dropped and counted); null keeps <see cref="Tcp"/>'s (no limit).</summary>
    public int? SynRateLimit { get; init; }

    /// <summary>
    /// Send and receive buffer caps of the stack's connections in octets (CLI <c>--tcp-buffer</c>); null keeps
    /// <see cref="Tcp"/>'s (256 KiB). A path's bandwidth-delay product needs this much (twice it for BBR's cwnd gain).
    /// </summary>
    public int? TcpBufferSize { get; init; }

    /// <summary>
    /// Use the link's transmit offloads when it has them (<see cref="Links.LinkCapabilities.Offloads"/>): TCP super-segments
    /// for the link to cut (TSO) and partial checksums for it to complete. False sends MSS-sized segments with complete
    /// checksums on any link.
    /// </summary>
    public bool TransmitOffloads { get; init; } = true;

    /// <summary>
    /// Send TCP payloads straight from the connections' send rings (true, the default): each frame goes to the link as its
    /// headers plus one or two ring slices (<see cref="Links.LinkFrame"/>), which a TAP writes with one writev, so a sent
    /// byte is copied once in our memory (caller to ring). False copies the payload behind the headers first (two copies).
    /// </summary>
    public bool GatherSend { get; init; } = true;

    /// <summary>Frames read from the link per <see cref="NetworkStack.Poll"/> at most, so sockets and timers get their turn.</summary>
    public int IngressBudget { get; init; } = 256;

    /// <summary>
    /// Process the bare SYNs a loop turn reads after its other frames (true, the default), so that established flows go
    /// first; see <see cref="OverloadSynBudget"/>. False processes every frame in arrival order.
    /// </summary>
    public bool DeferSyns { get; init; } = true;

    /// <summary>
    /// SYNs a loop turn answers at most when the loop is overloaded (<see cref="OverloadTurns"/>); the rest are dropped
    /// unanswered (<see cref="DropReason.SynDroppedOverload"/>) and the clients retry. Default 64 (a quarter of the default
    /// ingress budget: a flood of SYNs gets at most a quarter of the loop's frames answered).
    /// </summary>
    public int OverloadSynBudget { get; init; } = 64;

    /// <summary>
    /// Consecutive loop turns that must end with frames still waiting (their <see cref="IngressBudget"/> spent) before
    /// the loop counts as overloaded and sheds SYNs past <see cref="OverloadSynBudget"/>; a turn that drains the link
    /// resets the count. Default 32 (8,192 frames left waiting turn after turn, 40 % of the CLI's TAP queue): a burst of
    /// connects is caught up with, a flood that would overflow the device's queue is not. 4 shed legitimate SYNs in a
    /// loaded one-core flood (2 of 10 downloads within bound, 7 of 10 with 32; docs/benchmarks.md).
    /// </summary>
    public int OverloadTurns { get; init; } = 32;

    /// <summary>
    /// How long overload lasts after the last overloaded turn that fell behind or shed a SYN (default 1 s): shedding is
    /// what lets the loop keep up with a flood, so a turn that drained the link does not end it; a second without
    /// either does. Zero ends it with the first turn that drains the link.
    /// </summary>
    public TimeSpan OverloadHold { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the loop thread busy-polls for more work before it sleeps while traffic flows (like Linux SO_BUSY_POLL):
    /// saves a sleep and wake-up per packet exchange, at the price of a core kept busy. Zero (the default) sleeps at once.
    /// </summary>
    public TimeSpan BusyPoll { get; init; }

    /// <summary>
    /// Event loops, one per queue of a multi-queue link (<see cref="NetworkStackGroup"/>, issue 13 item 4): flows are
    /// sharded between them, listeners shared. A <see cref="NetworkStack"/> alone is one loop; 1 (the default) there.
    /// </summary>
    public int Loops { get; init; } = 1;
}
