using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Teeceepee.AspNetCore;
using Teeceepee.Cli.Options;
using Teeceepee.Cli.Plot;
using Teeceepee.Dhcp;
using Teeceepee.Dns;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Http;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Cli.Network;

/// <summary>
/// The userspace stack as an <see cref="INetwork"/>: the link (TapLink / TunLink / RawSocketLink),
/// middleware (PcapWriter nearest the device so the capture shows the wire, then FaultInjector, then
/// Tracer) and a started <see cref="NetworkStack"/>.
/// </summary>
/// <remarks>
/// This is the only place where the CLI touches the stack; commands see <see cref="INetwork"/>.
/// TCP goes through the public socket API (<see cref="TcpConnection"/>, <see cref="TcpConnectionListener"/>).
/// </remarks>
internal sealed partial class TeeceepeeNetwork : INetwork
{
    private const int LinkErrnoPermission = 1;
    private const int LinkErrnoAccess = 13;
    private const int LinkErrnoBusy = 16;
    private const int LinkErrnoNoDevice = 19;

    /// <summary>
    /// The TAP txqueuelen the CLI asks for: the kernel's queue toward us must hold what many senders have in
    /// flight (100 connections x 256 KiB windows is ~17 700 frames of 1514 octets); at the default 1000 the
    /// bench's 100-connection upload lost 15 % of its frames to overflow (docs/benchmarks.md).
    /// </summary>
    internal const int TapTransmitQueueLength = 20_000;

    private readonly NetworkStack _stack;
    private readonly ILink _link;
    private readonly ILink _device;
    private readonly TextWriter? _trace;
    private readonly string _deviceName;
    private readonly DnsResolver _resolver;
    private readonly string _kind;
    private readonly string _offloadSuffix;
    private DhcpService? _dhcp;
    private volatile string _description;
    private TcpProbeRecorder? _plot;

    private TeeceepeeNetwork(NetworkStack stack, ILink link, ILink device, string deviceName, string description, TextWriter? trace, IPAddress? dns, string kind, string offloadSuffix)
    {
        _kind = kind;
        _offloadSuffix = offloadSuffix;
        _resolver = new DnsResolver(stack, new DnsResolverOptions { Servers = dns is null ? [] : [dns] });
        _deviceName = deviceName;
        _stack = stack;
        _link = link;
        _device = device;
        _description = description;
        _trace = trace;
    }

    public string Description => _description;

    /// <summary>True when the stack was given IPv6 addresses (static or SLAAC).</summary>
    public bool HasIPv6 { get; private init; }

    /// <summary>The running stack (for the lead's later additions: stats, UDP).</summary>
    public NetworkStack Stack => _stack;

    /// <summary>The device link under the middleware (TapLink, TunLink, RawSocketLink; a MemoryLink in tests).</summary>
    public ILink Device => _device;

    /// <summary>The per-frame offloads the device link does (none unless a TAP opened with offloads).</summary>
    public LinkOffloads Offloads => _device.Capabilities.Offloads;

    /// <summary>TCP super-frames the device handed over (TAP with offloads), else 0.</summary>
    public long SuperFramesReceived => _queues.Count > 1 ? _queues.Sum(q => q.SuperFramesReceived) : _device is TapLink tap ? tap.SuperFramesReceived : 0;

    /// <summary>TCP super-frames sent for the device to cut (TSO), else 0.</summary>
    public long SuperFramesSent => _queues.Count > 1 ? _queues.Sum(q => q.SuperFramesSent) : _device is TapLink tap ? tap.SuperFramesSent : 0;

    /// <summary>
    /// One line on the link's offloads: "offloads on, N super-frames in, M out" or "offloads off", plus the frames the
    /// device refused when there were any.
    /// </summary>
    public string OffloadSummary
    {
        get
        {
            string text = Offloads == LinkOffloads.None
                ? "offloads off"
                : $"offloads on, {SuperFramesReceived} super-frames in, {SuperFramesSent} out";
            long refused = _device is TapLink tap ? tap.SendFailures : 0;
            return refused > 0 ? $"{text}; {refused} frames refused by the device" : text;
        }
    }

    /// <summary>How long --dhcp waits for a lease before the command fails.</summary>
    internal static TimeSpan DhcpTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Opens the link, wraps it in the requested middleware, starts the stack (and with --dhcp, acquires a lease).</summary>
    public static async ValueTask<INetwork> CreateAsync(LinkOptions options, TextWriter? trace, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (options.Address is null && !options.Dhcp && !options.HasIPv6)
            throw CliException.Usage("the stack needs an address: add --ip ADDR/PREFIX, --dhcp or --slaac");

        var network = TryFromQueues(options, trace) ?? FromLink(OpenLink(options, trace), options, trace);
        if (options.Dhcp)
        {
            try
            {
                await ((TeeceepeeNetwork)network).AcquireLeaseAsync(options, DhcpTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await network.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        if (options.Address6 is not null || options.Slaac)
        {
            try
            {
                var stackNetwork = (TeeceepeeNetwork)network;
                if (options.Address6 is not null)
                    await stackNetwork.WaitForIPv6Async(options.Address6, cancellationToken).ConfigureAwait(false);
                if (options.Slaac)
                    await stackNetwork.WaitForSlaacAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await network.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return network;
    }

    /// <summary>The DHCP client when --dhcp was given (it keeps renewing for as long as the network lives).</summary>
    public DhcpService? Dhcp => _dhcp;

    /// <summary>
    /// Starts the DHCP client and waits up to <paramref name="timeout"/> for a lease; the lease's DNS
    /// servers feed the resolver unless --dns named one. Renewals and expiry keep applying afterwards.
    /// </summary>
    internal async Task<DhcpLease> AcquireLeaseAsync(LinkOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _dhcp = DhcpService.Start(_stack, new DhcpClientOptions
        {
            // Shorter than RFC 2131's 4 s: a command waits on it; still doubling, with jitter.
            InitialRetransmit = TimeSpan.FromSeconds(2),
            Trace = _trace is null ? null : _trace.WriteLine,
        });
        _dhcp.LeaseChanged += lease =>
        {
            if (options.Dns is null)
                _resolver.Servers = lease is null ? [] : lease.DnsServers.Select(a => a.ToIPAddress()).ToArray();
            _description = Describe(lease);
            if (_trace is not null)
                _trace.WriteLine(lease is null ? $"{_deviceName}: dhcp lease lost" : $"{_deviceName}: dhcp lease {lease}");
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await _dhcp.WaitForLeaseAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            string what = _dhcp.State == DhcpState.Selecting ? "no DHCP offer" : "no DHCP acknowledgement";
            throw new CliException($"{what} within {timeout.TotalSeconds:0} s on {_deviceName}");
        }
    }

    private string Describe(DhcpLease? lease) =>
        $"{_kind} {_deviceName} " + (lease is null ? "dhcp (no lease)" : $"{lease.Address}/{lease.PrefixLength} by dhcp") + $" mtu {_stack.Mtu}" + _offloadSuffix;

    /// <summary>
    /// Builds the network on an already open link (the CLI's devices, or a MemoryLink in tests):
    /// middleware from <paramref name="options"/>, then a started stack. Disposes the link on failure.
    /// </summary>
    internal static INetwork FromLink(ILink link, LinkOptions options, TextWriter? trace)
    {
        var device = link;
        try
        {
            if (options.PcapFile is not null)
            {
                try
                {
                    link = PcapWriter.Create(link, options.PcapFile);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new CliException($"cannot write --pcap {options.PcapFile}: {e.Message}");
                }
            }
            if (options.HasFaults)
            {
                // The same path description and code as path-emulator's; room for a long fat path's frames in flight.
                link = FaultInjector.Symmetric(link, options.ToFaultOptions(), options.Seed ?? Random.Shared.Next(), PathEmulator.DefaultHoldCapacity);
            }
            if (options.TraceFrames && trace is not null)
                link = new Tracer(link, trace, options.Device);

            var plot = options.PlotDirectory is null ? null : new TcpProbeRecorder(options.PlotDirectory);
            var stackOptions = CreateStackOptions(options, trace, plot);
            NetworkStack stack;
            try
            {
                stack = new NetworkStack(link, stackOptions);
            }
            catch (ArgumentException e)
            {
                throw CliException.Usage(e.Message);
            }
            stack.Start();
            string kind = options.Kind.ToString().ToLowerInvariant();
            string offloadSuffix = device.Capabilities.Offloads != LinkOffloads.None ? " offloads" : "";
            string description = $"{kind} {options.Device} {DescribeAddresses(options)} mtu {stack.Mtu}{offloadSuffix}";
            return new TeeceepeeNetwork(stack, link, device, options.Device ?? kind, description, trace, options.Dns, kind, offloadSuffix) { _plot = plot, HasIPv6 = options.HasIPv6 };
        }
        catch
        {
            link.Dispose();
            throw;
        }
    }

    /// <summary>The stack's configuration from the link options (every loop's, with --loops).</summary>
    private static NetworkStackOptions CreateStackOptions(LinkOptions options, TextWriter? trace, TcpProbeRecorder? plot)
    {
        var stackOptions = new NetworkStackOptions
        {
            TcpProbe = plot,
            ExplainTrace = options.Explain,
            // --dhcp: no address until the lease (DhcpService configures the stack at runtime).
            Address = options.Address is null ? IPv4Address.Any : IPv4Address.FromIPAddress(options.Address),
            PrefixLength = options.PrefixLength,
            Gateway = options.Gateway is null ? null : IPv4Address.FromIPAddress(options.Gateway),
            HardwareAddress = options.Mac,
            Mtu = options.Mtu,
            BusyPoll = options.BusyPoll,
            CongestionControl = options.Congestion,
            TcpBufferSize = options.TcpBuffer,
            Ecn = options.Ecn,
            FastOpen = options.FastOpen,
            Pacing = options.Pacing,
            SynRateLimit = options.SynRate,
            Seed = options.Seed,
            Trace = trace is null ? null : trace.WriteLine,
            Name = options.Device,
        };
        return WithIPv6(stackOptions, options);
    }

    /// <summary>The addresses part of the network's description.</summary>
    private static string DescribeAddresses(LinkOptions options)
    {
        string address = options.Address is not null ? $"{options.Address}/{options.PrefixLength}" : options.Dhcp ? "dhcp (no lease)" : "";
        if (options.Address6 is not null)
            address = (address + $" {options.Address6}/{options.PrefixLength6}").Trim();
        if (options.Slaac)
            address = (address + " slaac").Trim();
        return address;
    }

    // NoDelay: request/response commands (echo, HTTP heads) should not wait for Nagle.
    private static readonly TcpConnectionOptions s_connectionOptions = new() { NoDelay = true };

    public async ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken) =>
        new StackConnection(await ConnectTcpAsync(remote, cancellationToken).ConfigureAwait(false));

    private async ValueTask<TcpConnection> ConnectTcpAsync(IPEndPoint remote, CancellationToken cancellationToken)
    {
        // With --loops, connects take turns over the loops (each from its own slice of ports, so the flow stays there).
        var connection = new TcpConnection(_group?.NextLoop() ?? _stack, s_connectionOptions);
        try
        {
            await connection.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Fast Open connections (curl --tcp-fastopen) run on the first loop, whose cookie cache the CLI keeps across runs.
    private static readonly TcpConnectionOptions s_fastOpenOptions = new() { NoDelay = true, FastOpen = true };

    public ValueTask<Stream> ConnectFastOpenAsync(IPEndPoint remote, Action? connected, CancellationToken cancellationToken) =>
        ValueTask.FromResult<Stream>(new FastOpenStream(new TcpConnection(_stack, s_fastOpenOptions), remote, connected));

    public ValueTask<IReadOnlyList<KeyValuePair<IPAddress, byte[]>>> GetFastOpenCookiesAsync(CancellationToken cancellationToken) =>
        _stack.GetFastOpenCookiesAsync(cancellationToken);

    public ValueTask AddFastOpenCookieAsync(IPAddress server, byte[] cookie, CancellationToken cancellationToken) =>
        _stack.AddFastOpenCookieAsync(server, cookie, cancellationToken);

    public ValueTask<IConnectionListener> ListenAsync(IPEndPoint local, int backlog, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Listen(local, backlog, s_connectionOptions));

    /// <summary>Listens on the stack; accepted connections get <paramref name="options"/> (bench-server: inline completions).</summary>
    internal IConnectionListener Listen(IPEndPoint local, int backlog, TcpConnectionOptions options)
    {
        if (_group is not null)
            return ListenOnEveryLoop(local, backlog, options);
        var listener = new TcpConnectionListener(_stack, local, options);
        try
        {
            listener.Start(backlog);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new StackListener(listener);
    }

    private static readonly TimeSpan NoPingTimeout = TimeSpan.FromDays(365);

    public async ValueTask<EchoResult> PingAsync(IPAddress destination, ushort sequence, int payloadSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The stack numbers its echo requests itself; the CLI's sequence is for display.
        if (destination.AddressFamily == AddressFamily.InterNetworkV6)
            return await PingV6Async(destination, payloadSize, timeout, cancellationToken).ConfigureAwait(false);
        // No timeout (ping -W 0): a deadline no ping outlives; Ctrl+C still cancels.
        if (timeout == Timeout.InfiniteTimeSpan)
            timeout = NoPingTimeout;
        var target = IPv4Address.FromIPAddress(destination);
        var reply = await _stack.PingAsync(target, payloadSize, timeout, cancellationToken).ConfigureAwait(false);
        // A failure the stack found itself (ARP unanswered, no route) names the destination or nobody:
        // iputils prints our own address then ("From 198.18.0.2 icmp_seq=1 Destination Host Unreachable").
        string from = reply.Address.IsUnspecified || reply.Address == target ? _stack.Address.ToString() : reply.Address.ToString();
        return reply.Status switch
        {
            PingStatus.Success => EchoResult.Reply(reply.TimeToLive, reply.DataSize + 8, reply.RoundTripTime),
            PingStatus.TimedOut => EchoResult.TimedOut,
            PingStatus.HostUnreachable => new EchoResult(false, 0, 0, reply.RoundTripTime, "Destination Host Unreachable", from),
            PingStatus.NetworkUnreachable => new EchoResult(false, 0, 0, reply.RoundTripTime, "Destination Net Unreachable", from),
            PingStatus.TimeExceeded => new EchoResult(false, 0, 0, reply.RoundTripTime, "Time to live exceeded", from),
            PingStatus.PacketTooBig => new EchoResult(false, 0, 0, reply.RoundTripTime, "Frag needed and DF set", from),
            _ => new EchoResult(false, 0, 0, reply.RoundTripTime, "Destination Unreachable", from),
        };
    }

    public IDatagramSocket OpenUdp() => new StackDatagramSocket(new UdpSocket(_stack));
    /// <summary>The library's handler (<see cref="TeeceepeeHttp"/>): HttpClient's connections are the stack's TCP connections.</summary>
    public SocketsHttpHandler CreateHttpHandler(Func<string, IPAddress> resolve) => TeeceepeeHttp.CreateHandler(_stack, resolve, s_connectionOptions);

    /// <summary>
    /// Kestrel on the stack (Teeceepee.AspNetCore), on every loop with --loops; a write-ahead of 1 MiB per connection
    /// keeps large files flowing.
    /// </summary>
    public void ConfigureWebHost(IWebHostBuilder builder)
    {
        static void Configure(TeeceepeeTransportOptions options) => options.MaxWriteBufferSize = 1024 * 1024;
        if (_group is null)
            builder.UseTeeceepee(_stack, Configure);
        else
            builder.UseTeeceepee(_group, Configure);
    }

    /// <summary>The stack's DNS resolver (servers from --dns, or from the DHCP lease).</summary>
    public DnsResolver Resolver => _resolver;

    public ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken) =>
        ResolveAsync(host, AddressFamily.Unspecified, cancellationToken);

    public async ValueTask<IPAddress> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        if (ValueParsers.TryParseAddress(host, out var literal))
        {
            if (family != AddressFamily.Unspecified && literal.AddressFamily != family)
                throw new NameResolutionException($"{literal} is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
            return literal;
        }
        CheckServers();
        try
        {
            var addresses = await _resolver.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
            return addresses[0];
        }
        catch (SocketException e)
        {
            throw Unresolved(host, e);
        }
    }

    /// <summary>Connects by name with Happy Eyeballs (RFC 8305) over the stack's resolver.</summary>
    public async ValueTask<IConnection> ConnectAsync(string host, int port, AddressFamily family, CancellationToken cancellationToken)
    {
        if (!ValueParsers.TryParseAddress(host, out _))
            CheckServers();
        try
        {
            var connection = await HappyEyeballs.ConnectAsync(_resolver, host, family,
                (address, ct) => ConnectTcpAsync(new IPEndPoint(address, port), ct), cancellationToken: cancellationToken).ConfigureAwait(false);
            return new StackConnection(connection);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
        {
            throw Unresolved(host, e);
        }
    }

    private void CheckServers()
    {
        if (_resolver.EffectiveServers.Count == 0)
            throw new NameResolutionException("no DNS server: give --dns ADDR, or --dhcp, or --slaac on a link whose router advertises one (RDNSS)") { DnsUnavailable = true };
    }

    // The resolver's messages start with the host name, which the caller's sentence already has.
    private static NameResolutionException Unresolved(string host, SocketException e)
    {
        string detail = e.Message.StartsWith(host + ": ", StringComparison.OrdinalIgnoreCase) ? e.Message[(host.Length + 2)..] : e.Message;
        return new NameResolutionException(detail, e);
    }

    public async ValueTask DisposeAsync()
    {
        if (_trace is not null)
        {
            try
            {
                _trace.WriteLine($"{_deviceName}: {OffloadSummary}");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Diagnostics only.
            }
        }
        if (_dhcp is not null)
            await _dhcp.DisposeAsync().ConfigureAwait(false);
        if (_group is not null)
            await DisposeLoopsAsync().ConfigureAwait(false);
        else
            await _stack.DisposeAsync().ConfigureAwait(false);
        _link.Dispose();
        WritePlots();
    }

    // --plot: after the stack stopped, so no sample arrives while drawing. A failure is reported, never thrown.
    private void WritePlots()
    {
        if (_plot is null)
            return;
        try
        {
            var files = _plot.Write();
            _trace?.WriteLine($"{_deviceName}: --plot wrote {files.Count} files for {_plot.ConnectionCount} connections to {_plot.Directory}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{CliApp.Name}: cannot write --plot {_plot.Directory}: {e.Message}");
        }
    }
}
