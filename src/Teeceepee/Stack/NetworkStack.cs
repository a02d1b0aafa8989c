using System.Collections.Concurrent;
using System.Globalization;
using Teeceepee.Links;
using Teeceepee.Stack.Loop;
using Teeceepee.Udp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// One IPv4 host on one link: ARP, IPv4 (with fragmentation and reassembly), ICMP, UDP, and TCP
/// through its TCP host. All protocol state belongs to one loop: <see cref="Poll"/> driven by a
/// simulation on virtual time, or the real-time runner started by <see cref="Start"/>. Public
/// calls from other threads are posted to that loop.
/// </summary>
public sealed partial class NetworkStack : IAsyncDisposable, IArpHost
{
    private readonly ILink _link;
    private readonly StackCounters _counters = new();
    private readonly ConcurrentQueue<LoopMessage> _commands = new();
    private readonly ArpCache _arp;
    private readonly FragmentReassembler _reassembler;
    private readonly UdpPortTable _udp;
    private readonly Random _random;
    private readonly Action<string>? _trace;
    private readonly string _name;
    private readonly int _linkHeaderLength;
    private readonly bool _verifyChecksums;
    private uint _netmask;
    private readonly byte[] _rx;
    private readonly byte[] _tx;
    private readonly byte[] _fragment;
    private readonly byte[] _quote = new byte[Reassembly.QuoteCapacity];
    private readonly byte[] _arpFrame = new byte[EthernetRepr.HeaderLength + ArpRepr.HeaderLength];
    private TokenBucket _icmpErrors;
    private ushort _nextIdentification;
    private bool _announced;
    private bool _ingressBacklog;
    private bool _disposed;
    private bool _frameChecksumTrusted; // the frame being processed came with a trusted checksum (link offload)
    private bool _superFrame;           // ... and is a TCP super-frame from segmentation offload

    /// <summary>Creates a stack on <paramref name="link"/>; nothing is sent until the first <see cref="Poll"/>.</summary>
    public NetworkStack(ILink link, NetworkStackOptions options) : this(link, options, null, 0) { }

    /// <summary>Loop <paramref name="loopIndex"/> of a <see cref="NetworkStackGroup"/> (its connects take ports from its slice).</summary>
    internal NetworkStack(ILink link, NetworkStackOptions options, Sharding.FlowSharding? sharding, int loopIndex)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.PrefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PrefixLength, 32);
        _link = link;
        Options = options;
        _sharding = sharding;
        _loopIndex = loopIndex;
        var caps = link.Capabilities;
        _random = options.Seed is int seed ? new Random(seed) : new Random();
        Medium = caps.Medium;
        Address = options.Address;
        PrefixLength = options.PrefixLength;
        Gateway = options.Gateway;
        HardwareAddress = options.HardwareAddress ?? caps.HardwareAddress ?? MacAddress.CreateLocal(_random);
        Mtu = Math.Min(options.Mtu ?? caps.Mtu, caps.Mtu);
        if (Mtu < 68)
            throw new ArgumentException($"MTU {Mtu} is below the IPv4 minimum of 68 (RFC 791).", nameof(options));
        _netmask = IPv4Address.PrefixMask(PrefixLength);
        _linkHeaderLength = Medium == LinkMedium.Ethernet ? EthernetRepr.HeaderLength : 0;
        _verifyChecksums = (caps.Checksums & ChecksumOffload.Receive) == 0;
        _trace = options.Trace;
        _name = options.Name ?? Address.ToString();
        _rx = new byte[Math.Max(caps.MaxFrameLength, 65535 + _linkHeaderLength)];
        _tx = new byte[_linkHeaderLength + IPv6Repr.HeaderLength + 65535]; // room for the largest IPv6 payload
        _fragment = new byte[_linkHeaderLength + Mtu];
        _arp = new ArpCache(options.ArpCacheCapacity, options.ArpQueueCapacity, options.ArpRequestCount,
            options.ArpRetryInterval, options.ArpReachableTime, options.ArpRefreshBefore);
        _reassembler = new FragmentReassembler(options.ReassemblyMaxDatagrams, options.ReassemblyMaxBytes,
            options.ReassemblyMaxFragments, options.ReassemblyTimeout);
        _udp = new UdpPortTable(_random);
        _icmpErrors = new TokenBucket(options.IcmpErrorsPerSecond, options.IcmpErrorBurst);
        _nextIdentification = (ushort)_random.Next(0, 65536);
        _pingIdentifier = (ushort)_random.Next(1, 65536);
        CreateIPv6(options);
        CreateTcp(options);
        CreateOverload(options);
        StackMetrics.Register(_name, _counters, _tcp);
    }

    /// <summary>The configuration this stack was made with.</summary>
    public NetworkStackOptions Options { get; }

    /// <summary>The link the stack runs on.</summary>
    public ILink Link => _link;

    /// <summary>Ethernet (with ARP) or bare IP.</summary>
    public LinkMedium Medium { get; }

    /// <summary>Our IPv4 address; 0.0.0.0 while unconfigured (DHCP). Changed only on the loop (<see cref="ConfigureAsync"/>).</summary>
    public IPv4Address Address { get; private set; }

    /// <summary>The on-link prefix length.</summary>
    public int PrefixLength { get; private set; }

    /// <summary>The default gateway, if any.</summary>
    public IPv4Address? Gateway { get; private set; }

    /// <summary>Our MAC address (Ethernet media).</summary>
    public MacAddress HardwareAddress { get; }

    /// <summary>The IP MTU.</summary>
    public int Mtu { get; }

    /// <summary>The directed broadcast address of our prefix.</summary>
    public IPv4Address SubnetBroadcast => new(Address.Value | ~_netmask);

    /// <summary>A copy of every counter now.</summary>
    public NetworkStackStats Stats => _counters.Snapshot() with
    {
        TcpRetransmissions = _tcp.Retransmissions,
        TcpResetsSent = _tcp.ResetSegmentsSent,
        TcpResetsReceived = _tcp.ResetSegmentsReceived,
        NeighborCacheEvictions = IsIPv6Enabled ? _neighbors.Evictions : 0,
        TcpTimeWait = _tcp.TimeWaitCount,
        TcpTimeWaitSkipped = _tcp.TimeWaitSkipped,
        TcpTimeWaitReopened = _tcp.TimeWaitReopened,
    };

    /// <summary>The <c>now</c> of the latest <see cref="Poll"/> (the loop's notion of the present).</summary>
    internal Instant LastPollTime { get; private set; }

    /// <summary>
    /// Runs the stack once at <paramref name="now"/>: reads waiting frames (up to a budget) and
    /// dispatches them, runs posted commands, fires due timers, and lets TCP send.
    /// </summary>
    public void Poll(Instant now) => Poll(now, clock: null);

    /// <summary>
    /// Runs the stack once like <see cref="Poll(Instant)"/>, but reads <paramref name="clock"/> before each frame it reads
    /// and again before commands and egress, so that a long poll stamps each ACK with the time it was read and each
    /// segment with the time it left (RTT samples and delivery rates are then those of the path, not of the poll's start).
    /// The real-time runner polls so; a simulation may too, with a virtual clock.
    /// </summary>
    public void Poll(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        Poll(Instant.Now(clock), clock);
    }

    private void Poll(Instant now, TimeProvider? clock)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        LastPollTime = now;
        _handDriven = true;
        if (!_announced)
        {
            _announced = true;
            if (Medium == LinkMedium.Ethernet && Options.SendGratuitousArp && !Address.IsUnspecified)
                SendArpRequest(now, Address, MacAddress.Broadcast);
            StartIPv6(now);
        }

        // Ingress: drain the link, bounded so that commands and timers are never starved.
        int budget = Options.IngressBudget;
        _ingressBacklog = false;
        while (true)
        {
            if (budget-- == 0)
            {
                _ingressBacklog = true;
                break;
            }
            // One clock read per frame (~25 ns against a read syscall of microseconds): a frame read late in a long
            // poll is stamped late, as the kernel stamps each packet on arrival.
            if (clock is not null)
                now = Tick(clock, now);
            if (!_link.TryReceive(now, _rx, out int length, out var offload))
                break;
            _counters.LinkFramesIn++;
            // A loop of a group passes on what another loop owns (Stack/Sharding/FlowSharding.cs).
            if (_group is not null && HandOver(_rx.AsSpan(0, length), offload))
                continue;
            // SYNs wait until the frames of existing flows are done (NetworkStack.Overload.cs).
            if (TryDeferSyn(now, _rx.AsSpan(0, length), offload))
                continue;
            // Offloading links (TAP with a virtio-net header) vouch for checksums per frame and may hand
            // over TCP super-frames (GRO/GSO): one large segment, its checksum partial and trusted.
            _frameChecksumTrusted = offload.ChecksumTrusted;
            _superFrame = offload.GsoType != LinkGsoType.None;
            ProcessFrameGuarded(now, _rx.AsSpan(0, length));
            _frameChecksumTrusted = false;
            _superFrame = false;
        }
        ProcessDeferredSyns(now);
        if (_group is not null)
            DrainHandovers(now);
        DrainLoopback(now);
        if (clock is not null)
            now = Tick(clock, now);

        // Sockets: commands posted by the application.
        while (_commands.TryDequeue(out var message))
        {
            try
            {
                if (message.IsCancel)
                    message.Command.Cancel(this, now, message.Version);
                else
                    message.Command.Execute(this, now);
            }
            catch (Exception e)
            {
                // A bug in a command must not take the loop down: fail that caller only.
                Trace($"command {message.Command.GetType().Name} threw {e.GetType().Name}: {e.Message}");
                message.Command.Abort(e);
            }
        }

        // Timers.
        _arp.Poll(now, this);
        ExpireReassemblies(now);
        ExpirePings(now);
        PollIPv6(now);

        // Egress: transports with data of their own, stamped with the time they leave.
        if (clock is not null)
            now = Tick(clock, now);
        DispatchTcp(now);
    }

    /// <summary>The clock's present, never before <paramref name="previous"/>; becomes <see cref="LastPollTime"/>.</summary>
    private Instant Tick(TimeProvider clock, Instant previous)
    {
        var now = Instant.Max(previous, Instant.Now(clock));
        LastPollTime = now;
        return now;
    }

    /// <summary>
    /// When <see cref="Poll"/> next has work that is not triggered by a frame or a command:
    /// a retry, a timeout, TCP's next timer. <see cref="Instant.MaxValue"/> when idle.
    /// </summary>
    public Instant PollAt()
    {
        if (_ingressBacklog || !_commands.IsEmpty || HasHandovers || !_announced || _loopback.Count > 0)
            return LastPollTime;
        var at = _arp.PollAt();
        at = Instant.Min(at, _reassembler.PollAt());
        at = Instant.Min(at, PingPollAt());
        at = Instant.Min(at, TcpPollAt());
        at = Instant.Min(at, IPv6PollAt());
        at = Instant.Min(at, _link.NextDeadline);
        return at;
    }

    /// <summary>
    /// Changes the stack's address, prefix and gateway at runtime (a DHCP lease, or its loss with
    /// 0.0.0.0). Runs on the loop: no packet sees half a change. A new address is announced with a
    /// gratuitous ARP request (RFC 5227 §2.3); connections on an old address are left to time out.
    /// </summary>
    public async ValueTask ConfigureAsync(IPv4Address address, int prefixLength, IPv4Address? gateway, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        if (CanRunInline)
        {
            // Not started (a simulation drives Poll itself) or already on the loop: like the socket control calls.
            ObjectDisposedException.ThrowIf(_disposed, this);
            Configure(LastPollTime, address, prefixLength, gateway);
            return;
        }
        await InvokeAsync((stack, now) =>
        {
            stack.Configure(now, address, prefixLength, gateway);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The loop side of <see cref="ConfigureAsync"/>.</summary>
    internal void Configure(Instant now, IPv4Address address, int prefixLength, IPv4Address? gateway)
    {
        bool changed = address != Address;
        Address = address;
        PrefixLength = prefixLength;
        Gateway = gateway;
        _netmask = IPv4Address.PrefixMask(prefixLength);
        Trace(address.IsUnspecified ? "address removed" : $"address {address}/{prefixLength}" + (gateway is { } g ? $" via {g}" : ""));
        if (changed && !address.IsUnspecified && Medium == LinkMedium.Ethernet && Options.SendGratuitousArp)
            SendArpRequest(now, address, MacAddress.Broadcast);
    }

    /// <summary>Runs <paramref name="func"/> on the loop thread (set-up and diagnostics; allocates).</summary>
    internal ValueTask<T> InvokeAsync<T>(Func<NetworkStack, Instant, T> func, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return LoopInvocation<T>.RunAsync(this, func, cancellationToken);
    }

    /// <summary>True when <paramref name="destination"/> is on our prefix.</summary>
    internal bool IsOnLink(IPv4Address destination) => ((destination.Value ^ Address.Value) & _netmask) == 0;

    /// <summary>Counts a drop and traces it.</summary>
    internal void Drop(DropReason reason, string layer)
    {
        _counters.Drops[(byte)reason]++;
        if (_trace is not null)
            _trace(string.Create(CultureInfo.InvariantCulture, $"{_name}: drop {layer} {reason}{Why(reason)}"));
    }

    /// <summary>Counts a drop and traces it with a detail (only formatted when tracing).</summary>
    internal void Drop<T>(DropReason reason, string layer, T detail)
    {
        _counters.Drops[(byte)reason]++;
        if (_trace is not null)
            _trace(string.Create(CultureInfo.InvariantCulture, $"{_name}: drop {layer} {reason} {detail}{Why(reason)}"));
    }

    // --explain: the rule behind a drop, appended to its trace line.
    private string Why(DropReason reason) => Options.ExplainTrace ? $" ({DropExplanations.Explain(reason)})" : "";

    /// <summary>Writes a trace line when tracing is on.</summary>
    internal void Trace(string message)
    {
        if (_trace is not null)
            _trace(string.Create(CultureInfo.InvariantCulture, $"{_name}: {message}"));
    }

    internal bool IsTracing => _trace is not null;

    internal StackCounters Counters => _counters;

    private void ProcessFrameGuarded(Instant now, Span<byte> frame)
    {
        try
        {
            ProcessFrame(now, frame);
        }
        catch (Exception e)
        {
            // Parsers never throw on bad input; this is a bug. Count it, trace it, keep the loop alive.
            _reassembler.ReleaseCompleted();
            Drop(DropReason.InternalError, "stack", $"{e.GetType().Name}: {e.Message}");
        }
    }

    private void ProcessFrame(Instant now, Span<byte> frame)
    {
        _counters.FramesIn++;
        _counters.BytesIn += frame.Length;
        if (frame.Length > _link.Capabilities.MaxFrameLength && !(_superFrame && frame.Length <= _link.Capabilities.MaxOffloadFrameLength))
        {
            Drop(DropReason.FrameTooLong, "link", frame.Length);
            return;
        }
        if (Medium == LinkMedium.IP)
        {
            // A bare IP link: the version nibble says which (RFC 8200 §3).
            if (frame.Length > 0 && frame[0] >> 4 == 6)
                ProcessIPv6(now, frame);
            else
                ProcessIPv4(now, frame);
            return;
        }
        if (!EthernetFrame.TryParse(frame, out var eth, out var error) || !EthernetRepr.TryParse(eth, out var ethRepr, out error))
        {
            Drop((DropReason)error, "ethernet");
            return;
        }
        if (ethRepr.Source == HardwareAddress)
        {
            Drop(DropReason.OwnFrameLooped, "ethernet");
            return;
        }
        if (ethRepr.EtherType == EtherType.IPv6)
        {
            // IPv6 uses unicast and group MACs (33:33:..., RFC 2464 §7); the IPv6 layer checks the group itself.
            if (!IsIPv6Enabled)
                Drop(DropReason.UnsupportedEtherType, "ethernet");
            else if (ethRepr.Destination != HardwareAddress && !ethRepr.Destination.IsMulticast)
                Drop(DropReason.NotOurMac, "ethernet", ethRepr.Destination);
            else
                ProcessIPv6(now, eth.Payload);
            return;
        }
        if (ethRepr.Destination != HardwareAddress && !ethRepr.Destination.IsBroadcast)
        {
            Drop(DropReason.NotOurMac, "ethernet", ethRepr.Destination);
            return;
        }
        if (ethRepr.EtherType == EtherType.Arp)
            ProcessArp(now, eth.Payload);
        else
            ProcessIPv4(now, eth.Payload);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        await StopLoopAsync().ConfigureAwait(false);
        _disposed = true;
        StackMetrics.Unregister(_counters);
        FailAllPending();
        if (Options.OwnsLink)
            _link.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_name} ({Address}/{PrefixLength} on {_link})");
}
