using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Socks;

/// <summary>
/// A SOCKS5 server (RFC 1928, CONNECT only, no authentication): clients on the host kernel connect
/// to it, and it opens their connections through an <see cref="INetwork"/> (the stack), then
/// relays both directions with half-close.
/// </summary>
internal sealed class Socks5Server
{
    private const int RelayBufferSize = 64 * 1024;

    private readonly INetwork _outbound;
    private readonly IReadOnlyList<ResolveEntry> _resolve;
    private readonly TextWriter? _log;

    /// <param name="outbound">Where CONNECT requests go.</param>
    /// <param name="resolve">Static names for domain-name requests (before DNS lands).</param>
    /// <param name="log">One line per request, or null.</param>
    public Socks5Server(INetwork outbound, IReadOnlyList<ResolveEntry> resolve, TextWriter? log)
    {
        _outbound = outbound;
        _resolve = resolve;
        _log = log is null ? null : TextWriter.Synchronized(log);
    }

    /// <summary>How long CONNECT may take before the client gets reply 0x06 (TTL expired, used for time-outs).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a client may take to send its greeting and request.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Accepts clients from <paramref name="listener"/> until cancelled.</summary>
    public async Task RunAsync(IConnectionListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            IConnection client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(client, cancellationToken), CancellationToken.None);
        }
    }

    /// <summary>Runs one client session to its end; never throws.</summary>
    public async Task HandleAsync(IConnection client, CancellationToken cancellationToken)
    {
        IConnection? remote = null;
        try
        {
            await using (client.ConfigureAwait(false))
            {
                using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    handshake.CancelAfter(HandshakeTimeout);
                    remote = await NegotiateAsync(client, handshake.Token, cancellationToken).ConfigureAwait(false);
                }
                if (remote is null)
                    return;
                await RelayAsync(client, remote, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
        }
        finally
        {
            if (remote is not null)
                await remote.DisposeAsync().ConfigureAwait(false);
        }
    }

    // §3 method negotiation, §4 request, §6 reply. Returns the outbound connection, or null after a failure reply.
    private async Task<IConnection?> NegotiateAsync(IConnection client, CancellationToken handshakeToken, CancellationToken cancellationToken)
    {
        var stream = client.Stream;
        var buffer = new byte[262];
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), handshakeToken).ConfigureAwait(false);
        if (buffer[0] != Socks5.Version)
            return null;
        int methods = buffer[1];
        await stream.ReadExactlyAsync(buffer.AsMemory(0, methods), handshakeToken).ConfigureAwait(false);
        if (Array.IndexOf(buffer, Socks5.MethodNoAuth, 0, methods) < 0)
        {
            await stream.WriteAsync(new byte[] { Socks5.Version, Socks5.MethodNoAcceptable }, handshakeToken).ConfigureAwait(false);
            return null;
        }
        await stream.WriteAsync(new byte[] { Socks5.Version, Socks5.MethodNoAuth }, handshakeToken).ConfigureAwait(false);

        // VER CMD RSV ATYP
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 4), handshakeToken).ConfigureAwait(false);
        if (buffer[0] != Socks5.Version)
            return null;
        byte command = buffer[1], addressType = buffer[3];
        string target;
        IPAddress? address = null;
        switch (addressType)
        {
            case Socks5.AddressIPv4:
                await stream.ReadExactlyAsync(buffer.AsMemory(0, 6), handshakeToken).ConfigureAwait(false);
                address = new IPAddress(buffer.AsSpan(0, 4));
                target = address.ToString();
                break;
            case Socks5.AddressDomainName:
                await stream.ReadExactlyAsync(buffer.AsMemory(0, 1), handshakeToken).ConfigureAwait(false);
                int length = buffer[0];
                await stream.ReadExactlyAsync(buffer.AsMemory(0, length + 2), handshakeToken).ConfigureAwait(false);
                target = Encoding.ASCII.GetString(buffer, 0, length);
                buffer.AsSpan(length, 2).CopyTo(buffer.AsSpan(0, 2));
                break;
            case Socks5.AddressIPv6:
                // §5: the 16-octet IPv6 address, then the port.
                await stream.ReadExactlyAsync(buffer.AsMemory(0, 18), handshakeToken).ConfigureAwait(false);
                address = new IPAddress(buffer.AsSpan(0, 16));
                target = $"[{address}]";
                buffer.AsSpan(16, 2).CopyTo(buffer.AsSpan(0, 2));
                break;
            default:
                await ReplyAsync(client, Socks5.ReplyAddressTypeNotSupported, null, handshakeToken).ConfigureAwait(false);
                return null;
        }
        int port = BinaryPrimitives.ReadUInt16BigEndian(addressType == Socks5.AddressIPv4 ? buffer.AsSpan(4, 2) : buffer.AsSpan(0, 2));

        if (command != Socks5.CommandConnect)
        {
            await ReplyAsync(client, Socks5.ReplyCommandNotSupported, null, handshakeToken).ConfigureAwait(false);
            Log(client, $"{target}:{port}", command == Socks5.CommandBind ? "BIND not supported" : command == Socks5.CommandUdpAssociate ? "UDP ASSOCIATE not supported" : "unknown command");
            return null;
        }

        // A name with a static entry connects to it; other names go to the network's connect by name (Happy Eyeballs).
        address ??= StaticAddress(target, port);
        IConnection remote;
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connectTimeout.CancelAfter(ConnectTimeout);
            try
            {
                remote = address is not null
                    ? await _outbound.ConnectAsync(new IPEndPoint(address, port), connectTimeout.Token).ConfigureAwait(false)
                    : await _outbound.ConnectAsync(target, port, AddressFamily.Unspecified, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (NameResolutionException)
            {
                await ReplyAsync(client, Socks5.ReplyHostUnreachable, null, handshakeToken).ConfigureAwait(false);
                Log(client, $"{target}:{port}", "could not resolve host");
                return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await ReplyAsync(client, Socks5.ReplyTtlExpired, null, cancellationToken).ConfigureAwait(false);
                Log(client, $"{target}:{port}", "connect timed out");
                return null;
            }
            catch (SocketException e)
            {
                byte code = ReplyCodeFor(e.SocketErrorCode);
                await ReplyAsync(client, code, null, cancellationToken).ConfigureAwait(false);
                Log(client, $"{target}:{port}", $"connect failed: {e.SocketErrorCode}");
                return null;
            }
        }
        try
        {
            await ReplyAsync(client, Socks5.ReplySucceeded, remote.LocalEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await remote.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        Log(client, $"{target}:{port}", "connected");
        return remote;
    }

    /// <summary>§6 reply code for a failed connect.</summary>
    public static byte ReplyCodeFor(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => Socks5.ReplyConnectionRefused,
        SocketError.HostUnreachable or SocketError.HostNotFound => Socks5.ReplyHostUnreachable,
        SocketError.NetworkUnreachable or SocketError.NetworkDown => Socks5.ReplyNetworkUnreachable,
        SocketError.TimedOut => Socks5.ReplyTtlExpired,
        SocketError.AccessDenied => Socks5.ReplyNotAllowed,
        _ => Socks5.ReplyGeneralFailure,
    };

    private IPAddress? StaticAddress(string host, int port)
    {
        foreach (var entry in _resolve)
        {
            if (entry.Matches(host, port))
                return entry.Address;
        }
        return null;
    }

    // VER REP RSV ATYP BND.ADDR BND.PORT; a failure carries 0.0.0.0:0, an IPv6 bound address ATYP 4 (§6).
    private static async ValueTask ReplyAsync(IConnection client, byte code, IPEndPoint? bound, CancellationToken cancellationToken)
    {
        await client.Stream.WriteAsync(EncodeReply(code, bound), cancellationToken).ConfigureAwait(false);
        await client.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The §6 reply: ATYP 1 for IPv4 (and IPv4-mapped) bound addresses and failures, ATYP 4 for IPv6.</summary>
    public static byte[] EncodeReply(byte code, IPEndPoint? bound)
    {
        var address = bound?.Address;
        if (address is { IsIPv4MappedToIPv6: true })
            address = address.MapToIPv4();
        bool v6 = address?.AddressFamily == AddressFamily.InterNetworkV6;
        var reply = new byte[v6 ? 22 : 10];
        reply[0] = Socks5.Version;
        reply[1] = code;
        reply[3] = v6 ? Socks5.AddressIPv6 : Socks5.AddressIPv4;
        if (address is not null)
        {
            address.TryWriteBytes(reply.AsSpan(4, v6 ? 16 : 4), out _);
            BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(v6 ? 20 : 8, 2), (ushort)bound!.Port);
        }
        return reply;
    }

    /// <summary>Copies both ways; EOF on one side half-closes the other; a reset aborts both.</summary>
    public static async Task RelayAsync(IConnection a, IConnection b, CancellationToken cancellationToken)
    {
        var forward = PumpAsync(a, b, cancellationToken);
        var backward = PumpAsync(b, a, cancellationToken);
        var first = await Task.WhenAny(forward, backward).ConfigureAwait(false);
        if (!await first.ConfigureAwait(false))
        {
            // One side failed (reset): tear down both so the other pump ends too.
            a.Abort();
            b.Abort();
        }
        await Task.WhenAll(forward, backward).ConfigureAwait(false);
    }

    // Returns true on a clean EOF (after half-closing the destination), false on an error.
    private static async Task<bool> PumpAsync(IConnection from, IConnection to, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(RelayBufferSize);
        try
        {
            while (true)
            {
                int n = await from.Stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    to.ShutdownSend();
                    return true;
                }
                await to.Stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Log(IConnection client, string target, string what) => _log?.WriteLine($"socks: {client.RemoteEndPoint} -> {target}: {what}");
}
