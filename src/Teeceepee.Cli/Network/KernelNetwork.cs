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

    public async ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
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
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
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

    public async ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal) && literal.AddressFamily == AddressFamily.InterNetwork)
            return literal;
        try
        {
            var addresses = await System.Net.Dns.GetHostAddressesAsync(host, AddressFamily.InterNetwork, cancellationToken).ConfigureAwait(false);
            return addresses.Length > 0 ? addresses[0] : throw new NameResolutionException($"{host} has no IPv4 address");
        }
        catch (SocketException e)
        {
            throw new NameResolutionException(e.Message, e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
