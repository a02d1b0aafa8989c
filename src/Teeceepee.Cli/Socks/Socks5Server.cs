using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Socks;

/// <summary>
/// A SOCKS5 server (RFC 1928: CONNECT and UDP ASSOCIATE; no authentication, or username/password by RFC 1929):
/// clients on the host kernel connect to it, and it opens their connections through an <see cref="INetwork"/>
/// (the stack), then relays both directions with half-close. SOCKS4 requests are refused and logged.
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

    /// <summary>When set, clients must authenticate with this name and password (RFC 1929); otherwise none is asked.</summary>
    public Socks5Credentials? Credentials { get; init; }

    /// <summary>Opens the host-side UDP socket of a UDP ASSOCIATE on an address (port 0); a kernel socket by default.</summary>
    public Func<IPEndPoint, IDatagramSocket> OpenClientUdp { get; init; } = local => new KernelDatagramSocket(local);

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
        Socks5UdpAssociation? udp = null;
        try
        {
            await using (client.ConfigureAwait(false))
            {
                using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    handshake.CancelAfter(HandshakeTimeout);
                    (remote, udp) = await NegotiateAsync(client, handshake.Token, cancellationToken).ConfigureAwait(false);
                }
                if (udp is not null)
                {
                    await udp.RunAsync(client, cancellationToken).ConfigureAwait(false);
                    Log(client, $"udp {udp.RelayEndPoint}", $"association ended ({udp.Outgoing} datagrams out, {udp.Incoming} in, {udp.Dropped} dropped)");
                    return;
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
            udp?.Dispose();
            if (remote is not null)
                await remote.DisposeAsync().ConfigureAwait(false);
        }
    }

    // §3 method negotiation (RFC 1929 authentication), §4 request, §6 reply. Returns the outbound connection or the
    // UDP association; neither after a failure reply.
    private async Task<(IConnection?, Socks5UdpAssociation?)> NegotiateAsync(IConnection client, CancellationToken handshakeToken, CancellationToken cancellationToken)
    {
        var stream = client.Stream;
        var buffer = new byte[262];
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), handshakeToken).ConfigureAwait(false);
        if (buffer[0] == Socks5.Socks4Version)
        {
            // A SOCKS4 CONNECT: VN CD DSTPORT DSTIP; answer 91 (rejected) in its own format, say so, close.
            await stream.WriteAsync(new byte[] { 0, 91, 0, 0, 0, 0, 0, 0 }, handshakeToken).ConfigureAwait(false);
            LogClient(client, "SOCKS4 request refused: only SOCKS5 is spoken (curl --socks5, not --socks4)");
            return default;
        }
        if (buffer[0] != Socks5.Version)
        {
            LogClient(client, $"not a SOCKS request (first octet 0x{buffer[0]:x2}); closed");
            return default;
        }
        int methods = buffer[1];
        await stream.ReadExactlyAsync(buffer.AsMemory(0, methods), handshakeToken).ConfigureAwait(false);
        byte wanted = Credentials is null ? Socks5.MethodNoAuth : Socks5.MethodUserPassword;
        if (Array.IndexOf(buffer, wanted, 0, methods) < 0)
        {
            await stream.WriteAsync(new byte[] { Socks5.Version, Socks5.MethodNoAcceptable }, handshakeToken).ConfigureAwait(false);
            LogClient(client, Credentials is null ? "no acceptable method (this server asks no authentication)" : "no acceptable method (this server needs username/password)");
            return default;
        }
        await stream.WriteAsync(new byte[] { Socks5.Version, wanted }, handshakeToken).ConfigureAwait(false);
        if (Credentials is not null && !await AuthenticateAsync(client, buffer, handshakeToken).ConfigureAwait(false))
            return default;

        // VER CMD RSV ATYP
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 4), handshakeToken).ConfigureAwait(false);
        if (buffer[0] != Socks5.Version)
            return default;
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
                LogClient(client, $"address type {addressType} unknown (RFC 1928 §4 has 1, 3 and 4)");
                await ReplyAsync(client, Socks5.ReplyAddressTypeNotSupported, null, handshakeToken).ConfigureAwait(false);
                return default;
        }
        int port = BinaryPrimitives.ReadUInt16BigEndian(addressType == Socks5.AddressIPv4 ? buffer.AsSpan(4, 2) : buffer.AsSpan(0, 2));

        if (command == Socks5.CommandUdpAssociate)
            return (null, await AssociateAsync(client, address, port, handshakeToken).ConfigureAwait(false));
        if (command != Socks5.CommandConnect)
        {
            Log(client, $"{target}:{port}", command == Socks5.CommandBind ? "BIND not supported" : "unknown command");
            await ReplyAsync(client, Socks5.ReplyCommandNotSupported, null, handshakeToken).ConfigureAwait(false);
            return default;
        }

        // A name with a static entry connects to it; other names go to the network's connect by name (Happy Eyeballs).
        address ??= StaticAddress(target, port);
        string endpoint = address is not null ? new IPEndPoint(address, port).ToString() : $"{target}:{port}";
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
                Log(client, $"{target}:{port}", "could not resolve host");
                await ReplyAsync(client, Socks5.ReplyHostUnreachable, null, handshakeToken).ConfigureAwait(false);
                return default;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Log(client, $"{target}:{port}", $"connect to {endpoint} timed out after {ConnectTimeout.TotalSeconds:0} s");
                await ReplyAsync(client, Socks5.ReplyTtlExpired, null, cancellationToken).ConfigureAwait(false);
                return default;
            }
            catch (SocketException e)
            {
                byte code = ReplyCodeFor(e.SocketErrorCode);
                Log(client, $"{target}:{port}", $"connect to {endpoint} failed: {Describe(e.SocketErrorCode)}");
                await ReplyAsync(client, code, null, cancellationToken).ConfigureAwait(false);
                return default;
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
        Log(client, $"{target}:{port}", $"connected from {remote.LocalEndPoint}");
        return (remote, null);
    }

    // RFC 1929 §2: VER=1 ULEN UNAME PLEN PASSWD; reply VER STATUS; a failure closes the connection.
    private async Task<bool> AuthenticateAsync(IConnection client, byte[] buffer, CancellationToken cancellationToken)
    {
        var stream = client.Stream;
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), cancellationToken).ConfigureAwait(false);
        if (buffer[0] != Socks5.UserPasswordVersion)
        {
            await stream.WriteAsync(new byte[] { Socks5.UserPasswordVersion, Socks5.UserPasswordFailure }, cancellationToken).ConfigureAwait(false);
            LogClient(client, $"authentication refused: subnegotiation version {buffer[0]} (RFC 1929 has 1)");
            return false;
        }
        var user = new byte[buffer[1]];
        await stream.ReadExactlyAsync(user, cancellationToken).ConfigureAwait(false);
        await stream.ReadExactlyAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false);
        var password = new byte[buffer[0]];
        await stream.ReadExactlyAsync(password, cancellationToken).ConfigureAwait(false);
        bool ok = Credentials!.Matches(user, password);
        await stream.WriteAsync(new byte[] { Socks5.UserPasswordVersion, ok ? Socks5.UserPasswordSuccess : Socks5.UserPasswordFailure }, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (!ok)
            LogClient(client, $"authentication failed for user '{Encoding.UTF8.GetString(user)}'; closed");
        return ok;
    }

    // §7: the client names the address and port it will send from (zeros: not known yet); we answer with where to send.
    private async Task<Socks5UdpAssociation?> AssociateAsync(IConnection client, IPAddress? from, int fromPort, CancellationToken cancellationToken)
    {
        IDatagramSocket? host = null, outbound = null;
        try
        {
            host = OpenClientUdp(new IPEndPoint(client.LocalEndPoint.Address, 0));
            outbound = _outbound.OpenUdp();
        }
        catch (Exception e) when (e is SocketException or NotSupportedException or IOException)
        {
            host?.Dispose();
            LogClient(client, $"UDP ASSOCIATE failed: {e.Message}");
            await ReplyAsync(client, Socks5.ReplyGeneralFailure, null, cancellationToken).ConfigureAwait(false);
            return null;
        }
        // Only the client's own address may use the relay (the one it named, else the TCP connection's).
        var clientAddress = from is null || from.Equals(IPAddress.Any) ? client.RemoteEndPoint.Address : from;
        var association = new Socks5UdpAssociation(host, outbound, clientAddress, fromPort,
            async (name, port, ct) => await ResolveAsync(name, port, ct).ConfigureAwait(false));
        LogClient(client, $"UDP ASSOCIATE: relaying datagrams sent to {association.RelayEndPoint} out through {outbound.LocalEndPoint}");
        await ReplyAsync(client, Socks5.ReplySucceeded, association.RelayEndPoint, cancellationToken).ConfigureAwait(false);
        return association;
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.TimedOut => "timed out",
        _ => error.ToString(),
    };

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

    /// <summary>A UDP destination by name: a static entry, else the network's resolver; null when unknown.</summary>
    private async ValueTask<IPAddress?> ResolveAsync(string host, int port, CancellationToken cancellationToken)
    {
        if (StaticAddress(host, port) is { } address)
            return address;
        try
        {
            return await _outbound.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (NameResolutionException)
        {
            return null;
        }
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

    private void LogClient(IConnection client, string what) => _log?.WriteLine($"socks: {client.RemoteEndPoint}: {what}");
}
