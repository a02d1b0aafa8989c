using System.Net;
using System.Net.Sockets;
using System.Net.Http;
using Microsoft.AspNetCore.Hosting;

namespace Teeceepee.Cli.Network;

/// <summary>
/// The network a command runs on: the host kernel (<see cref="KernelNetwork"/>) or the userspace
/// stack (<see cref="TeeceepeeNetwork"/>). Commands see only this.
/// </summary>
/// <remarks>
/// Errors follow System.Net.Sockets: <see cref="System.Net.Sockets.SocketException"/> with
/// ConnectionRefused, TimedOut, HostUnreachable, NetworkUnreachable, AddressAlreadyInUse, and
/// <see cref="OperationCanceledException"/> when the token fires.
/// </remarks>
internal interface INetwork : IAsyncDisposable
{
    /// <summary>A short description for banners ("kernel", "tap0 198.18.0.2/24").</summary>
    string Description { get; }

    /// <summary>True when the network has IPv6 addresses, so a wildcard listener is [::] (both families) rather than 0.0.0.0.</summary>
    bool HasIPv6 => false;

    /// <summary>The wildcard a server listens on: [::] (dual-stack) with IPv6, else 0.0.0.0.</summary>
    IPAddress AnyAddress => HasIPv6 ? IPAddress.IPv6Any : IPAddress.Any;

    /// <summary>Opens a TCP connection.</summary>
    ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken);

    /// <summary>Starts listening for TCP connections (port 0: any free port).</summary>
    ValueTask<IConnectionListener> ListenAsync(IPEndPoint local, int backlog, CancellationToken cancellationToken);

    /// <summary>Sends one ICMP echo request and waits up to <paramref name="timeout"/> for its reply.</summary>
    ValueTask<EchoResult> PingAsync(IPAddress destination, ushort sequence, int payloadSize, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Resolves a host name to its most preferred address (RFC 6724); throws <see cref="NameResolutionException"/>.</summary>
    ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken);

    /// <summary>Opens a UDP socket on a free port (SOCKS5 UDP ASSOCIATE); networks without UDP throw <see cref="NotSupportedException"/>.</summary>
    IDatagramSocket OpenUdp() => throw new NotSupportedException($"{Description} has no UDP");
    /// <summary>
    /// Resolves a host name to an address of <paramref name="family"/> (<see cref="AddressFamily.Unspecified"/>:
    /// either, the most preferred); throws <see cref="NameResolutionException"/>.
    /// </summary>
    ValueTask<IPAddress> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken) =>
        family == AddressFamily.Unspecified
            ? ResolveAsync(host, cancellationToken)
            : throw new NameResolutionException($"cannot choose the address family on {Description}");

    /// <summary>
    /// Opens a TCP connection by name: the network's resolver, then its connect (the stack and the kernel race the
    /// families with Happy Eyeballs, RFC 8305). Throws <see cref="NameResolutionException"/> when the name has no address.
    /// </summary>
    async ValueTask<IConnection> ConnectAsync(string host, int port, AddressFamily family, CancellationToken cancellationToken)
    {
        var address = await ResolveAsync(host, family, cancellationToken).ConfigureAwait(false);
        return await ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A TCP stream to <paramref name="remote"/> opened with TCP Fast Open (RFC 7413): the connection starts at the first
    /// write, whose octets ride on the SYN when a cookie for the server is cached; <paramref name="connected"/> runs when
    /// the handshake completes. The default connects at once, without Fast Open.
    /// </summary>
    async ValueTask<Stream> ConnectFastOpenAsync(IPEndPoint remote, Action? connected, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
        connected?.Invoke();
        return new ConnectionStream(connection);
    }

    /// <summary>The Fast Open cookies servers gave this network's connections (none where the network keeps its own, as the kernel does).</summary>
    ValueTask<IReadOnlyList<KeyValuePair<IPAddress, byte[]>>> GetFastOpenCookiesAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<KeyValuePair<IPAddress, byte[]>>>([]);

    /// <summary>Gives the network a Fast Open cookie kept from an earlier run (ignored where the network keeps its own).</summary>
    ValueTask AddFastOpenCookieAsync(IPAddress server, byte[] cookie, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Makes a web host listen on this network (the default: Kestrel's own kernel sockets).</summary>
    void ConfigureWebHost(IWebHostBuilder builder)
    {
    }

    /// <summary>
    /// An <see cref="HttpClient"/> handler whose connections go through this network; host names are
    /// looked up with <paramref name="resolve"/>. The default connects with <see cref="ConnectAsync"/>.
    /// </summary>
    SocketsHttpHandler CreateHttpHandler(Func<string, IPAddress> resolve) => new()
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var endPoint = context.DnsEndPoint;
            var address = IPAddress.TryParse(endPoint.Host, out var literal) ? literal : resolve(endPoint.Host);
            var connection = await ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
            return new ConnectionStream(connection);
        },
    };
}
