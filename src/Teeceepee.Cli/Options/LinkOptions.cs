using System.Net;
using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Cli.Options;

/// <summary>The validated link options shared by every command.</summary>
internal sealed record LinkOptions
{
    /// <summary>Which network.</summary>
    public LinkKind Kind { get; init; }

    /// <summary>TAP/TUN device name or the raw interface.</summary>
    public string? Device { get; init; }

    /// <summary>The stack's own IPv4 address (null with DHCP, IPv6 only, or on the kernel).</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Prefix length of <see cref="Address"/>.</summary>
    public int PrefixLength { get; init; }

    /// <summary>The stack's own static IPv6 address (<c>--ip 2001:db8::2/64</c>), or null.</summary>
    public IPAddress? Address6 { get; init; }

    /// <summary>Prefix length of <see cref="Address6"/>.</summary>
    public int PrefixLength6 { get; init; }

    /// <summary>--slaac: IPv6 addresses and the default router from router advertisements (RFC 4862).</summary>
    public bool Slaac { get; init; }

    /// <summary>IPv6 default router (<c>--gateway fe80::1</c> or one inside the IPv6 prefix), or null.</summary>
    public IPAddress? Gateway6 { get; init; }

    /// <summary>True when the stack gets an IPv6 address (static or SLAAC).</summary>
    public bool HasIPv6 => Address6 is not null || Slaac;

    /// <summary>Get the address by DHCP.</summary>
    public bool Dhcp { get; init; }

    /// <summary>IPv4 default gateway.</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>DNS server (either family).</summary>
    public IPAddress? Dns { get; init; }

    /// <summary>The stack's MAC (Ethernet links); null picks a locally administered one.</summary>
    public MacAddress? Mac { get; init; }

    /// <summary>Interface MTU; null keeps the link's.</summary>
    public int? Mtu { get; init; }

    /// <summary>Capture file.</summary>
    public string? PcapFile { get; init; }

    /// <summary>--plot: where the stack's per-connection cwnd, ssthresh and RTT plots go at exit; null for none.</summary>
    public string? PlotDirectory { get; init; }

    /// <summary>Fault injection, each a probability 0..1 applied in both directions.</summary>
    public double Loss { get; init; }

    /// <inheritdoc cref="Loss"/>
    public double Duplicate { get; init; }

    /// <inheritdoc cref="Loss"/>
    public double Reorder { get; init; }

    /// <inheritdoc cref="Loss"/>
    public double Corrupt { get; init; }

    /// <summary>Added one-way delay.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>
    /// The rest of the path description, each way (<c>--rate --queue --jitter --ecn-threshold --blackhole-mtu</c>): the
    /// fields of <see cref="Links.FaultOptions"/> beyond the probabilities and <see cref="Delay"/> above.
    /// </summary>
    public Links.FaultOptions Path { get; init; } = Links.FaultOptions.None;

    /// <summary>Seed for the fault injector and the stack's randomness.</summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Open a TAP with offloads (virtio-net header: TCP super-frames and partial checksums from the kernel);
    /// on by default, <c>--no-offload</c> turns it off. Falls back to plain frames when the device refuses.
    /// </summary>
    public bool Offloads { get; init; } = true;

    /// <summary>
    /// --loops N: event loops, one per queue of a multi-queue TAP (issue 13 item 4); the command's default when not given
    /// (the number of cores for bench-server, 1 elsewhere).
    /// </summary>
    public int Loops { get; init; } = 1;

    /// <summary>True when --loops was given (a device that cannot have that many queues is then an error, not a fallback to 1).</summary>
    public bool LoopsGiven { get; init; }

    /// <summary>--busy-poll: how long the stack's loop busy-polls before sleeping while traffic flows (zero: never).</summary>
    public TimeSpan BusyPoll { get; init; }

    /// <summary>--explain: the trace says the rule behind each drop and TCP state change (implies <see cref="Verbose"/>).</summary>
    public bool Explain { get; init; }

    /// <summary>--congestion: the stack's TCP congestion controller; null keeps the default (CUBIC).</summary>
    public CongestionAlgorithm? Congestion { get; init; }

    /// <summary>--tcp-buffer: the stack's TCP send and receive buffer caps in octets; null keeps the default (256 KiB).</summary>
    public int? TcpBuffer { get; init; }
    /// <summary>--ecn: the stack's TCP ECN mode; null keeps the default (passive).</summary>
    public EcnMode? Ecn { get; init; }
    /// <summary>--fastopen: TCP Fast Open (RFC 7413) for the stack's listeners and connections; null keeps the default (off).</summary>
    public bool? FastOpen { get; init; }

    /// <summary>--pacing: CUBIC and NewReno pace their sends (BBR always does); null keeps the default (off).</summary>
    public bool? Pacing { get; init; }
    /// <summary>--syn-rate: SYNs a second the stack's listeners take (token bucket); null: no limit.</summary>
    public int? SynRate { get; init; }

    /// <summary>Trace ARP, handshakes, state changes, retransmits, drops.</summary>
    public bool Verbose { get; init; }

    /// <summary>Also trace every frame (tcpdump-like lines through the link Tracer); the demo uses it.</summary>
    public bool TraceFrames { get; init; }

    /// <summary>True when any fault is configured.</summary>
    public bool HasFaults => Loss > 0 || Duplicate > 0 || Reorder > 0 || Corrupt > 0 || Delay > TimeSpan.Zero || !Path.IsNone;

    /// <summary>The whole path description, applied each way by the link's <see cref="Links.FaultInjector"/>.</summary>
    public Links.FaultOptions ToFaultOptions() => Path with
    {
        Loss = Loss,
        Duplicate = Duplicate,
        Reorder = Reorder,
        Corrupt = Corrupt,
        Delay = Delay,
    };

    /// <summary>True when the stack (not the kernel) carries the traffic.</summary>
    public bool UsesStack => Kind is LinkKind.Tap or LinkKind.Tun or LinkKind.Raw;
}
