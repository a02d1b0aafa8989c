using System.Net;
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

    /// <summary>Opens a TCP connection.</summary>
    ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken);

    /// <summary>Starts listening for TCP connections (port 0: any free port).</summary>
    ValueTask<IConnectionListener> ListenAsync(IPEndPoint local, int backlog, CancellationToken cancellationToken);

    /// <summary>Sends one ICMP echo request and waits up to <paramref name="timeout"/> for its reply.</summary>
    ValueTask<EchoResult> PingAsync(IPAddress destination, ushort sequence, int payloadSize, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Resolves a host name to an IPv4 address; throws <see cref="NameResolutionException"/>.</summary>
    ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken);

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
