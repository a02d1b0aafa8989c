using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>The host kernel's TCP/IP through System.Net.Sockets: tests, the demo's web server, SOCKS' host side.</summary>
internal sealed class KernelNetwork : INetwork
{
    public string Description => "kernel";

    public IDatagramSocket OpenUdp() => new KernelDatagramSocket(new IPEndPoint(IPAddress.Any, 0));
    public bool HasIPv6 => Socket.OSSupportsIPv6;

    public async ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return new KernelConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public ValueTask<IConnectionListener> ListenAsync(IPEndPoint local, int backlog, CancellationToken cancellationToken)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // [::] takes both families (IPv4 peers as ::ffff:a.b.c.d), like the stack's listener.
            if (local.AddressFamily == AddressFamily.InterNetworkV6 && local.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(local);
            socket.Listen(backlog);
            return ValueTask.FromResult<IConnectionListener>(new KernelListener(socket));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask<EchoResult> PingAsync(IPAddress destination, ushort sequence, int payloadSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The kernel assigns identifiers and sequence numbers itself; the round trip is timed here.
        using var ping = new Ping();
        var payload = new byte[payloadSize];
        long start = Stopwatch.GetTimestamp();
        PingReply reply;
        try
        {
            reply = await ping.SendPingAsync(destination, timeout, payload, new PingOptions(64, dontFragment: false), cancellationToken).ConfigureAwait(false);
        }
        catch (PingException e) when (e.InnerException is SocketException socketError)
        {
            throw socketError;
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return reply.Status switch
        {
            IPStatus.Success => EchoResult.Reply(reply.Options?.Ttl ?? 0, reply.Buffer.Length + 8, elapsed),
            IPStatus.TimedOut => EchoResult.TimedOut,
            IPStatus.TtlExpired or IPStatus.TimeExceeded => new EchoResult(false, 0, 0, elapsed, "Time to live exceeded", reply.Address?.ToString()),
            IPStatus.DestinationHostUnreachable => new EchoResult(false, 0, 0, elapsed, "Destination Host Unreachable", reply.Address?.ToString()),
            IPStatus.DestinationNetworkUnreachable => new EchoResult(false, 0, 0, elapsed, "Destination Net Unreachable", reply.Address?.ToString()),
            IPStatus.DestinationPortUnreachable => new EchoResult(false, 0, 0, elapsed, "Destination Port Unreachable", reply.Address?.ToString()),
            _ => EchoResult.TimedOut,
        };
    }

    public ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken) =>
        ResolveAsync(host, AddressFamily.Unspecified, cancellationToken);

    public async ValueTask<IPAddress> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        if (Options.ValueParsers.TryParseAddress(host, out var literal) && (family == AddressFamily.Unspecified || literal.AddressFamily == family))
            return literal;
        try
        {
            // getaddrinfo already orders by RFC 6724.
            var addresses = await System.Net.Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
            return addresses.Length > 0 ? addresses[0] : throw new NameResolutionException($"{host} has no {Describe(family)}address");
        }
        catch (SocketException e)
        {
            throw new NameResolutionException(e.Message, e);
        }
    }

    /// <summary>Connects by name with Happy Eyeballs (RFC 8305) over the kernel's resolver and sockets.</summary>
    public async ValueTask<IConnection> ConnectAsync(string host, int port, AddressFamily family, CancellationToken cancellationToken)
    {
        try
        {
            bool both = family == AddressFamily.Unspecified && !Options.ValueParsers.TryParseAddress(host, out _);
            return await Teeceepee.Dns.HappyEyeballs.ConnectAsync(
                async (f, ct) =>
                {
                    var addresses = await System.Net.Dns.GetHostAddressesAsync(host, both ? f : family, ct).ConfigureAwait(false);
                    return addresses.Length > 0 ? addresses : throw new SocketException((int)SocketError.NoData);
                },
                both, static sorted => [.. sorted], (address, ct) => ConnectAsync(new IPEndPoint(address, port), ct),
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
        {
            throw new NameResolutionException(e.Message, e);
        }
    }

    private static string Describe(AddressFamily family) =>
        family switch { AddressFamily.InterNetwork => "IPv4 ", AddressFamily.InterNetworkV6 => "IPv6 ", _ => "" };

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
