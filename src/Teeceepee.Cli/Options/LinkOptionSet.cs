using System.CommandLine;
using System.Net;
using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Cli.Options;

/// <summary>The link options every command takes (DESIGN §5), and their validation.</summary>
internal sealed class LinkOptionSet
{
    private const string ProbabilityHelp = " (a fraction like 0.02 or a percentage like 2%)";

    public Option<string?> Tap { get; } = new("--tap") { Description = "Run the stack on this TAP device (attached if it exists, else created)", HelpName = "NAME" };
    public Option<string?> Tun { get; } = new("--tun") { Description = "Run the stack on this TUN device (attached if it exists, else created)", HelpName = "NAME" };
    public Option<string?> Raw { get; } = new("--raw") { Description = "Run the stack on an existing interface through AF_PACKET, with its own address and MAC", HelpName = "IFACE" };
    public Option<bool> Kernel { get; } = new("--kernel") { Description = "Use the host kernel's sockets instead of the stack", Hidden = true };
    public Option<string[]> Ip { get; } = new("--ip") { Description = "The stack's own address, IPv4 or IPv6 (repeatable: one per family)", HelpName = "ADDR/PREFIX", Arity = ArgumentArity.ZeroOrMore };
    public Option<bool> Dhcp { get; } = new("--dhcp") { Description = "Get the stack's IPv4 address by DHCP" };
    public Option<bool> Slaac { get; } = new("--slaac") { Description = "Get IPv6 addresses and the default router from router advertisements (SLAAC)" };
    public Option<string[]> Gateway { get; } = new("--gateway") { Description = "Default gateway, IPv4 or IPv6 (repeatable: one per family)", HelpName = "ADDR", Arity = ArgumentArity.ZeroOrMore };
    public Option<string?> Dns { get; } = new("--dns") { Description = "DNS server (IPv4 or IPv6)", HelpName = "ADDR" };
    public Option<string?> Mac { get; } = new("--mac") { Description = "The stack's MAC address (default: a random locally administered one)", HelpName = "MAC" };
    public Option<string?> Mtu { get; } = new("--mtu") { Description = "Interface MTU", HelpName = "N" };
    public Option<string?> Pcap { get; } = new("--pcap") { Description = "Capture every frame in and out to this pcap file", HelpName = "FILE" };
    public Option<string?> Loss { get; } = new("--loss") { Description = "Drop this share of frames" + ProbabilityHelp, HelpName = "P" };
    public Option<string?> Duplicate { get; } = new("--duplicate") { Description = "Duplicate this share of frames" + ProbabilityHelp, HelpName = "P" };
    public Option<string?> Reorder { get; } = new("--reorder") { Description = "Reorder this share of frames" + ProbabilityHelp, HelpName = "P" };
    public Option<string?> Corrupt { get; } = new("--corrupt") { Description = "Flip a bit in this share of frames" + ProbabilityHelp, HelpName = "P" };
    public Option<string?> Delay { get; } = new("--delay") { Description = "Delay every frame by this many milliseconds", HelpName = "MS" };
    public Option<string?> Jitter { get; } = new("--jitter") { Description = "Vary each frame's delay by up to this many milliseconds either side (order is kept)", HelpName = "MS" };
    public Option<string?> Rate { get; } = new("--rate") { Description = "Bottleneck rate each way, like 100mbit or 1gbit", HelpName = "RATE" };
    public Option<string?> Queue { get; } = new("--queue") { Description = "Drop-tail queue at the bottleneck (octets like 64kb, or milliseconds at the rate like 20ms)", HelpName = "SIZE" };
    public Option<string?> EcnThreshold { get; } = new("--ecn-threshold") { Description = "Mark ECN-capable packets CE when more than this waits at the bottleneck (like --queue)", HelpName = "SIZE" };
    public Option<string?> BlackHoleMtu { get; } = new("--blackhole-mtu") { Description = "Silently drop IP packets longer than N octets (an ICMP black hole)", HelpName = "N" };
    public Option<string?> Seed { get; } = new("--seed") { Description = "Seed for fault injection and the stack's randomness", HelpName = "N" };
    public Option<bool> NoOffload { get; } = new("--no-offload") { Description = "Open the TAP without offloads (by default the kernel hands over 64 KiB TCP super-frames with partial checksums)" };
    public Option<string?> BusyPoll { get; } = new("--busy-poll") { Description = "Busy-poll for up to US microseconds before the stack's loop sleeps while traffic flows (lower latency, keeps a core busy; like Linux SO_BUSY_POLL)", HelpName = "US" };
    public Option<string?> Loops { get; } = new("--loops") { Description = "Event loops, one per queue of a multi-queue TAP (flows sharded between them, listeners shared); default: the number of cores for bench-server and serve, 1 elsewhere", HelpName = "N" };
    public Option<string?> Plot { get; } = new("--plot") { Description = "Record each TCP connection's cwnd, ssthresh and RTT samples from the stack and draw them (PNG and SVG) into this directory at exit", HelpName = "DIR" };
    public Option<bool> Explain { get; } = new("--explain") { Description = "Trace the stack (as --trace-stack), and say the rule (with its RFC section) behind each drop and each TCP state change" };
    public Option<string?> TcpBuffer { get; } = new("--tcp-buffer") { Description = "TCP send and receive buffer of each stack connection in octets, like 4mb (default 256kb); a long fat path needs its bandwidth-delay product", HelpName = "SIZE" };
    public Option<string?> Congestion { get; } = new("--congestion") { Description = "TCP congestion control of the stack: cubic (default), bbr, bbr-lt (BBR whose short-term model ignores rounds losing under 2 %) or newreno", HelpName = "ALG" };
    public Option<string?> Ecn { get; } = new("--ecn") { Description = "TCP ECN (RFC 3168): on (ask and accept), passive (accept when asked, the default) or off", HelpName = "MODE" };
    public Option<bool> Pacing { get; } = new("--pacing") { Description = "Pace CUBIC and NewReno at 1.2×cwnd/SRTT (2× in slow start) on paths with a min RTT of 4 ms or more, as Linux does under the fq qdisc (the default; BBR always paces)" };
    public Option<bool> NoPacing { get; } = new("--no-pacing") { Description = "Send CUBIC and NewReno unpaced, as the ACK clock and cwnd allow (BBR paces regardless)" };
    public Option<bool> FastOpen { get; } = new("--fastopen") { Description = "TCP Fast Open (RFC 7413): listeners give cookies and take data in SYNs; connections send cached cookies" };
    public Option<string?> SynRate { get; } = new("--syn-rate") { Description = "Accept at most N new connections (SYNs) a second on the stack's listeners; excess SYNs are dropped and counted (overload protection)", HelpName = "N" };
    public Option<bool> Verbose { get; }

    /// <summary>
    /// The link options of one command. The stack's trace is <c>--trace-stack</c> everywhere; on commands
    /// where <paramref name="verboseMeansStackTrace"/> holds, <c>-v</c>/<c>--verbose</c> are its aliases
    /// (curl keeps <c>-v</c> for its own lines).
    /// </summary>
    public LinkOptionSet(bool verboseMeansStackTrace = true, int defaultLoops = 1)
    {
        DefaultLoops = defaultLoops;
        const string description = "Trace the stack: ARP, handshakes, state changes, retransmits and drops (on stderr)";
        Verbose = new Option<bool>("--trace-stack") { Description = description };
        if (verboseMeansStackTrace)
        {
            Verbose.Aliases.Add("-v");
            Verbose.Aliases.Add("--verbose");
        }
    }

    /// <summary>The loops a command runs when --loops is not given.</summary>
    public int DefaultLoops { get; }

    /// <summary>Adds every link option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All())
            command.Options.Add(option);
    }

    /// <summary>Adds only the middleware options (faults, pcap, MTU, MAC, seed, -v), for a command that makes its own link.</summary>
    public void AddMiddlewareTo(Command command)
    {
        foreach (var option in new Option[] { Mac, Mtu, NoOffload, BusyPoll, Pcap, Plot, Loss, Duplicate, Reorder, Corrupt, Delay, Jitter, Rate, Queue, EcnThreshold, BlackHoleMtu, Seed, Congestion, TcpBuffer, Ecn, Pacing, NoPacing, FastOpen, SynRate, Explain, Verbose })
            command.Options.Add(option);
    }

    private IEnumerable<Option> All() =>
        [Tap, Tun, Raw, Kernel, Ip, Dhcp, Slaac, Gateway, Dns, Mac, Mtu, NoOffload, BusyPoll, Loops, Pcap, Plot, Loss, Duplicate, Reorder, Corrupt, Delay, Jitter, Rate, Queue, EcnThreshold, BlackHoleMtu, Seed, Congestion, TcpBuffer, Ecn, Pacing, NoPacing, FastOpen, SynRate, Explain, Verbose];

    /// <summary>
    /// Reads and validates the link options. <paramref name="requireLink"/>: the command needs a
    /// network, so giving none is a usage error. Throws <see cref="CliException"/>.
    /// </summary>
    public LinkOptions Read(ParseResult result, ISystemProbe probe, bool requireLink)
    {
        string? tap = result.GetValue(Tap), tun = result.GetValue(Tun), raw = result.GetValue(Raw);
        bool kernel = result.GetValue(Kernel);

        var chosen = new List<string>(4);
        if (tap is not null) chosen.Add("--tap");
        if (tun is not null) chosen.Add("--tun");
        if (raw is not null) chosen.Add("--raw");
        if (kernel) chosen.Add("--kernel");
        if (chosen.Count > 1)
            throw CliException.Usage($"{chosen[0]} and {chosen[1]} cannot be used together; choose one link");

        var kind = tap is not null ? LinkKind.Tap : tun is not null ? LinkKind.Tun : raw is not null ? LinkKind.Raw : kernel ? LinkKind.Kernel : LinkKind.None;
        string? device = tap ?? tun ?? raw;
        if (device is not null)
            CheckDeviceName(device, chosen[0]);

        bool offloads = !result.GetValue(NoOffload);
        bool explain = result.GetValue(Explain);
        var options = new LinkOptions { Kind = kind, Device = device, Verbose = result.GetValue(Verbose) || explain, Explain = explain, Offloads = offloads };

        bool dhcp = result.GetValue(Dhcp);
        foreach (string ipText in result.GetValue(Ip) ?? [])
        {
            if (!ValueParsers.TryParseCidr(ipText, "--ip", out var address, out int prefix, out var error))
                throw CliException.Usage(error);
            bool v4 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
            if ((v4 ? options.Address : options.Address6) is { } earlier)
                throw CliException.Usage($"--ip takes one {(v4 ? "IPv4" : "IPv6")} address; {earlier} and {address} were both given");
            if (v4 && dhcp)
                throw CliException.Usage("--ip and --dhcp cannot be used together");
            options = v4 ? options with { Address = address, PrefixLength = prefix } : options with { Address6 = address, PrefixLength6 = prefix };
        }
        foreach (string gatewayText in result.GetValue(Gateway) ?? [])
        {
            if (!ValueParsers.TryParseAddress(gatewayText, out var gateway) || gatewayText.StartsWith('['))
                throw CliException.Usage(ValueParsers.InvalidAddress(gatewayText, "--gateway"));
            if (!ValueParsers.IsUsableUnicast(gateway))
                throw CliException.Usage($"--gateway {gateway} is not a usable router address");
            bool v4 = gateway.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
            if ((v4 ? options.Gateway : options.Gateway6) is { } earlier)
                throw CliException.Usage($"--gateway takes one {(v4 ? "IPv4" : "IPv6")} router; {earlier} and {gateway} were both given");
            options = v4 ? options with { Gateway = gateway } : options with { Gateway6 = gateway };
        }
        options = options with
        {
            Dhcp = dhcp,
            Slaac = result.GetValue(Slaac),
            Dns = ReadAddress(result, Dns),
            Mac = ReadMac(result),
            Mtu = ReadInt(result, Mtu, 68, 65535),
            PcapFile = result.GetValue(Pcap),
            PlotDirectory = result.GetValue(Plot),
            Loss = ReadProbability(result, Loss),
            Duplicate = ReadProbability(result, Duplicate),
            Reorder = ReadProbability(result, Reorder),
            Corrupt = ReadProbability(result, Corrupt),
            Delay = TimeSpan.FromMilliseconds(ReadInt(result, Delay, 0, 60_000) ?? 0),
            Seed = ReadInt(result, Seed, int.MinValue, int.MaxValue),
            BusyPoll = TimeSpan.FromMicroseconds(ReadInt(result, BusyPoll, 0, 10_000) ?? 0),
            Loops = ReadInt(result, Loops, 1, Links.TapLink.MaxQueues) ?? DefaultLoops,
            LoopsGiven = result.GetResult(Loops) is { Implicit: false },
            Congestion = ReadCongestion(result),
            TcpBuffer = ReadTcpBuffer(result),
            Ecn = ReadEcn(result),
            FastOpen = result.GetValue(FastOpen) ? true : null,
            Pacing = ReadPacing(result),
            SynRate = ReadInt(result, SynRate, 1, 100_000_000),
        };
        options = ReadPath(result, options);

        if (!options.UsesStack)
        {
            // --no-offload and --busy-poll also apply to the bench environment's TAP (bench-server --no-offload).
            bool benchEnvironment = kind == LinkKind.None && requireLink && !string.IsNullOrEmpty(probe.GetEnvironmentVariable("BENCH_TAP"));
            string? stackOnly = FirstStackOnlyOption(result, allowBenchOptions: benchEnvironment);
            if (stackOnly is not null)
            {
                throw CliException.Usage(kind == LinkKind.Kernel
                    ? $"{stackOnly} does not apply to --kernel"
                    : $"{stackOnly} needs a link: add --tap NAME, --tun NAME or --raw IFACE");
            }
            if (kind == LinkKind.None && requireLink)
            {
                var fromEnvironment = FromBenchEnvironment(probe);
                if (fromEnvironment is not null)
                    return fromEnvironment with { Verbose = options.Verbose, Explain = options.Explain, Offloads = offloads, BusyPoll = options.BusyPoll, Loops = options.Loops, LoopsGiven = options.LoopsGiven, SynRate = options.SynRate, PlotDirectory = options.PlotDirectory };
                throw CliException.Usage("no link given: use --tap NAME, --tun NAME or --raw IFACE with --ip ADDR/PREFIX");
            }
            return options;
        }

        if (options.Address is null && !options.Dhcp && !options.HasIPv6)
            throw CliException.Usage($"{chosen[0]} needs an address: add --ip ADDR/PREFIX, --dhcp or --slaac");
        if (kind == LinkKind.Tun && options.Mac is not null)
            throw CliException.Usage("--mac does not apply to a TUN link (it carries no Ethernet frames)");
        if (kind == LinkKind.Tun && options.Dhcp)
            throw CliException.Usage("--dhcp needs an Ethernet link (--tap or --raw); give --ip on a TUN link");
        if (kind == LinkKind.Tun && options.Slaac)
            throw CliException.Usage("--slaac needs an Ethernet link (--tap or --raw); give --ip on a TUN link");
        if (options.Gateway is not null && options.Address is null && !options.Dhcp)
            throw CliException.Usage($"IPv4 gateway {options.Gateway} needs an IPv4 address: add --ip ADDR/PREFIX or --dhcp");
        if (options.Gateway is not null && options.Address is not null
            && !IPv4Address.FromIPAddress(options.Gateway).IsInSameSubnet(IPv4Address.FromIPAddress(options.Address), options.PrefixLength))
            throw CliException.Usage($"gateway {options.Gateway} is not inside {options.Address}/{options.PrefixLength}");
        if (options.Gateway6 is not null && !options.HasIPv6)
            throw CliException.Usage($"IPv6 gateway {options.Gateway6} needs an IPv6 address: add --ip ADDR/PREFIX or --slaac");
        if (options.Gateway6 is { } router6 && options.Address6 is { } own6 && !IPv6Address.FromIPAddress(router6).IsLinkLocal
            && !IPv6Address.FromIPAddress(router6).IsInSameSubnet(IPv6Address.FromIPAddress(own6), options.PrefixLength6))
            throw CliException.Usage($"gateway {router6} is neither link-local nor inside {own6}/{options.PrefixLength6}");
        if (options.PcapFile is not null)
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(options.PcapFile)) ?? "/";
            if (!probe.DirectoryExists(directory))
                throw CliException.Usage($"cannot write --pcap {options.PcapFile}: directory {directory} does not exist");
        }
        if (options.PlotDirectory is { Length: 0 })
            throw CliException.Usage("--plot needs a directory");
        CheckDevice(options, probe);
        return options;
    }

    /// <summary>--tcp-buffer SIZE in octets (1 KiB .. 1 GiB); null when not given.</summary>
    private int? ReadTcpBuffer(ParseResult result)
    {
        if (result.GetValue(TcpBuffer) is not { } text)
            return null;
        if (!PathValueParsers.TryParseQueue(text, TcpBuffer.Name, out long bytes, out var time, out var error) || time != TimeSpan.Zero)
            throw CliException.Usage(error ?? $"{TcpBuffer.Name} {text}: expected octets like 4mb");
        if (bytes is < 1024 or > 1 << 30)
            throw CliException.Usage($"{TcpBuffer.Name} {text}: expected 1kb to 1gb");
        return (int)bytes;
    }

    /// <summary>--congestion cubic|bbr|bbr-lt|newreno (reno too, as Linux names it); null when not given.</summary>
    private CongestionAlgorithm? ReadCongestion(ParseResult result) => result.GetValue(Congestion)?.ToLowerInvariant() switch
    {
        null => null,
        "cubic" => CongestionAlgorithm.Cubic,
        "newreno" or "reno" => CongestionAlgorithm.NewReno,
        "bbr" => CongestionAlgorithm.Bbr,
        "bbr-lt" => CongestionAlgorithm.BbrLossTolerant,
        var other => throw CliException.Usage($"--congestion {other}: expected cubic, bbr, bbr-lt or newreno"),
    };

    /// <summary>--ecn on|off|passive (Linux's tcp_ecn 1, 0, 2); null when not given.</summary>
    private EcnMode? ReadEcn(ParseResult result) => result.GetValue(Ecn)?.ToLowerInvariant() switch
    {
        null => null,
        "on" or "1" => EcnMode.On,
        "off" or "0" => EcnMode.Off,
        "passive" or "2" => EcnMode.Passive,
        var other => throw CliException.Usage($"--ecn {other}: expected on, off or passive"),
    };

    /// <summary>
    /// Reads only the middleware options (faults, pcap, MTU, MAC, seed, -v) for a command that makes
    /// its own link (<c>demo</c>); choosing a link or an address is a usage error there.
    /// </summary>
    public LinkOptions ReadMiddleware(ParseResult result, ISystemProbe probe, string command)
    {
        foreach (Option option in new Option[] { Tap, Tun, Raw, Kernel, Ip, Dhcp, Slaac, Gateway, Dns })
        {
            if (result.GetResult(option) is { Implicit: false })
                throw CliException.Usage($"{command} sets up its own link and addresses; {option.Name} cannot be used with it");
        }
        var options = new LinkOptions
        {
            Verbose = result.GetValue(Verbose) || result.GetValue(Explain),
            Explain = result.GetValue(Explain),
            Offloads = !result.GetValue(NoOffload),
            Mac = ReadMac(result),
            Mtu = ReadInt(result, Mtu, 68, 65535),
            PcapFile = result.GetValue(Pcap),
            PlotDirectory = result.GetValue(Plot),
            Loss = ReadProbability(result, Loss),
            Duplicate = ReadProbability(result, Duplicate),
            Reorder = ReadProbability(result, Reorder),
            Corrupt = ReadProbability(result, Corrupt),
            Delay = TimeSpan.FromMilliseconds(ReadInt(result, Delay, 0, 60_000) ?? 0),
            Seed = ReadInt(result, Seed, int.MinValue, int.MaxValue),
            BusyPoll = TimeSpan.FromMicroseconds(ReadInt(result, BusyPoll, 0, 10_000) ?? 0),
            Congestion = ReadCongestion(result),
            Ecn = ReadEcn(result),
            FastOpen = result.GetValue(FastOpen) ? true : null,
            Pacing = ReadPacing(result),
            SynRate = ReadInt(result, SynRate, 1, 100_000_000),
        };
        options = ReadPath(result, options);
        if (options.PcapFile is not null)
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(options.PcapFile)) ?? "/";
            if (!probe.DirectoryExists(directory))
                throw CliException.Usage($"cannot write --pcap {options.PcapFile}: directory {directory} does not exist");
        }
        return options;
    }

    /// <summary>
    /// The bench contract's configuration (BENCH_TAP, BENCH_ADDR, BENCH_GW, BENCH_MTU, and for <c>--ipv6</c> runs
    /// BENCH_ADDR6, BENCH_PREFIX6, BENCH_GW6), or null when BENCH_TAP is not set. The kernel end is on a /24 (bench README).
    /// </summary>
    public static LinkOptions? FromBenchEnvironment(ISystemProbe probe)
    {
        string? tap = probe.GetEnvironmentVariable("BENCH_TAP");
        if (string.IsNullOrEmpty(tap))
            return null;
        string addressText = probe.GetEnvironmentVariable("BENCH_ADDR") ?? "198.18.0.2";
        if (!ValueParsers.TryParseCidr(addressText.Contains('/', StringComparison.Ordinal) ? addressText : addressText + "/24", "BENCH_ADDR", out var address, out int prefix, out var error))
            throw CliException.Usage(error);
        IPAddress? gateway = null;
        string? gatewayText = probe.GetEnvironmentVariable("BENCH_GW");
        if (!string.IsNullOrEmpty(gatewayText) && !ValueParsers.TryParseIPv4(gatewayText, out gateway))
            throw CliException.Usage($"invalid IPv4 address '{gatewayText}' in BENCH_GW");
        int? mtu = null;
        string? mtuText = probe.GetEnvironmentVariable("BENCH_MTU");
        if (!string.IsNullOrEmpty(mtuText))
        {
            if (!ValueParsers.TryParseInt(mtuText, "BENCH_MTU", 68, 65535, out int m, out error))
                throw CliException.Usage(error);
            mtu = m;
        }
        IPAddress? address6 = null, gateway6 = null;
        int prefix6 = 0;
        string? address6Text = probe.GetEnvironmentVariable("BENCH_ADDR6");
        if (!string.IsNullOrEmpty(address6Text))
        {
            string prefix6Text = probe.GetEnvironmentVariable("BENCH_PREFIX6") is { Length: > 0 } p ? p : "64";
            if (ValueParsers.TryParseIPv4(address6Text, out _))
                throw CliException.Usage($"BENCH_ADDR6 {address6Text} is not an IPv6 address");
            if (!ValueParsers.TryParseCidr($"{address6Text}/{prefix6Text}", "BENCH_ADDR6", out address6, out prefix6, out error))
                throw CliException.Usage(error);
            string? gateway6Text = probe.GetEnvironmentVariable("BENCH_GW6");
            if (!string.IsNullOrEmpty(gateway6Text)
                && (!ValueParsers.TryParseAddress(gateway6Text, out gateway6) || gateway6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6))
                throw CliException.Usage($"invalid IPv6 address '{gateway6Text}' in BENCH_GW6");
        }
        CheckDeviceName(tap, "BENCH_TAP");
        var options = new LinkOptions
        {
            Kind = LinkKind.Tap, Device = tap, Address = address, PrefixLength = prefix, Gateway = gateway, Mtu = mtu,
            Address6 = address6, PrefixLength6 = prefix6, Gateway6 = gateway6,
        };
        CheckDevice(options, probe);
        return options;
    }

    private bool? ReadPacing(ParseResult result)
    {
        bool on = result.GetValue(Pacing), off = result.GetValue(NoPacing);
        if (on && off)
            throw new CliException(ExitCodes.Usage, "--pacing and --no-pacing contradict each other; give one.");
        return off ? false : on ? true : null;
    }

    private string? FirstStackOnlyOption(ParseResult result, bool allowBenchOptions)
    {
        Option[] stackOnly = [Ip, Dhcp, Slaac, Gateway, Dns, Mac, Mtu, NoOffload, BusyPoll, Loops, Pcap, Plot, Loss, Duplicate, Reorder, Corrupt, Delay, Jitter, Rate, Queue, EcnThreshold, BlackHoleMtu, Seed, Congestion, TcpBuffer, Ecn, Pacing, NoPacing, FastOpen, SynRate];
        foreach (var option in stackOnly)
        {
            if ((option == NoOffload || option == BusyPoll || option == Loops || option == Plot || option == SynRate || option == FastOpen || option == Pacing || option == NoPacing) && allowBenchOptions)
                continue;
            if (result.GetResult(option) is { Implicit: false })
                return option.Name;
        }
        return null;
    }

    private static void CheckDeviceName(string name, string option)
    {
        if (name.Length == 0)
            throw CliException.Usage($"{option} needs a device name");
        if (name.Length > 15)
            throw CliException.Usage($"interface name '{name}' in {option} is longer than 15 characters");
        if (name.IndexOfAny(['/', ' ', ':', '\0']) >= 0 || name is "." or "..")
            throw CliException.Usage($"'{name}' in {option} is not a valid interface name");
    }

    // Environment problems: a missing interface is the user's error (2); missing rights are not (1).
    private static void CheckDevice(LinkOptions options, ISystemProbe probe)
    {
        string device = options.Device!;
        switch (options.Kind)
        {
            case LinkKind.Tap or LinkKind.Tun:
                string what = options.Kind == LinkKind.Tap ? "TAP" : "TUN";
                if (probe.InterfaceExists(device) && !probe.IsTunTap(device))
                    throw CliException.Usage($"{device} exists and is not a TUN/TAP device; give a new name or an existing {what} device");
                if (!probe.TunControlExists)
                    throw new CliException($"/dev/net/tun does not exist, so no {what} device can be opened (load the tun module: modprobe tun)");
                // No check for CAP_NET_ADMIN here: a persistent device created with "user NAME" opens
                // without it. The open itself explains a refusal (TeeceepeeNetwork.OpenLink).
                break;
            case LinkKind.Raw:
                if (!probe.InterfaceExists(device))
                    throw CliException.Usage($"no such interface: {device}");
                if (!probe.HasNetRaw)
                    throw new CliException($"--raw {device} needs root or CAP_NET_RAW (AF_PACKET socket)");
                break;
        }
    }

    // The path options beyond the probabilities and delay: the same description the path-emulator takes.
    private LinkOptions ReadPath(ParseResult result, LinkOptions options)
    {
        var path = options.Path with
        {
            Jitter = TimeSpan.FromMilliseconds(ReadInt(result, Jitter, 0, 60_000) ?? 0),
            BlackHoleMtu = ReadInt(result, BlackHoleMtu, 68, 65535) ?? 0,
        };
        if (result.GetValue(Rate) is { } rate)
            path = path with { RateBitsPerSecond = PathValueParsers.TryParseRate(rate, Rate.Name, out long bps, out var error) ? bps : throw CliException.Usage(error) };
        if (result.GetValue(Queue) is { } queue)
        {
            if (!PathValueParsers.TryParseQueue(queue, Queue.Name, out long bytes, out var time, out var error))
                throw CliException.Usage(error);
            path = path with { QueueBytes = bytes, QueueTime = time };
        }
        if (result.GetValue(EcnThreshold) is { } threshold)
        {
            if (!PathValueParsers.TryParseQueue(threshold, EcnThreshold.Name, out long bytes, out var time, out var error))
                throw CliException.Usage(error);
            path = path with { EcnThresholdBytes = bytes, EcnThresholdTime = time };
        }
        PathOptionSet.CheckNeedsRate(path, Queue.Name, EcnThreshold.Name, Rate.Name);
        return options with { Path = path };
    }

    private static IPAddress? ReadAddress(ParseResult result, Option<string?> option)
    {
        string? text = result.GetValue(option);
        if (text is null)
            return null;
        if (!ValueParsers.TryParseAddress(text, out var address) || text.StartsWith('['))
            throw CliException.Usage(ValueParsers.InvalidAddress(text, option.Name));
        return ValueParsers.IsUsableUnicast(address) ? address : throw CliException.Usage($"{option.Name} {address} is not a usable server address");
    }

    private MacAddress? ReadMac(ParseResult result)
    {
        string? text = result.GetValue(Mac);
        if (text is null)
            return null;
        return ValueParsers.TryParseMac(text, "--mac", out var mac, out var error) ? mac : throw CliException.Usage(error);
    }

    private static int? ReadInt(ParseResult result, Option<string?> option, int min, int max)
    {
        string? text = result.GetValue(option);
        if (text is null)
            return null;
        return ValueParsers.TryParseInt(text, option.Name, min, max, out int value, out var error) ? value : throw CliException.Usage(error);
    }

    private static double ReadProbability(ParseResult result, Option<string?> option)
    {
        string? text = result.GetValue(option);
        if (text is null)
            return 0;
        return ValueParsers.TryParseProbability(text, option.Name, out double value, out var error) ? value : throw CliException.Usage(error);
    }
}
