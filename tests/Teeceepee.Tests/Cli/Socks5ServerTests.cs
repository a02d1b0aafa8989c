using System.Net;
using System.Net.Sockets;
using System.Text;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Cli.Socks;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary>SOCKS5 over kernel loopback (127.0.0.1 only): a real client socket, the server, and an outbound network.</summary>
public sealed class Socks5ServerTests : IAsyncDisposable
{
    private readonly KernelNetwork _kernel = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private IConnectionListener? _socksListener;
    private Task? _socksLoop;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_socksListener is not null)
            await _socksListener.DisposeAsync();
        if (_socksLoop is not null)
            await _socksLoop;
        _stop.Dispose();
    }

    private async Task<int> StartSocks(INetwork outbound, IReadOnlyList<ResolveEntry>? resolve = null, TimeSpan? connectTimeout = null)
    {
        _socksListener = await _kernel.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0), 16, CancellationToken.None);
        var server = new Socks5Server(outbound, resolve ?? [], null) { ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(5) };
        _socksLoop = server.RunAsync(_socksListener, _stop.Token);
        return _socksListener.LocalEndPoint.Port;
    }

    // An upstream echo server that upper-cases nothing: it echoes, then half-closes after the client's FIN.
    private async Task<(IConnectionListener Listener, Task Loop)> StartEcho()
    {
        var listener = await _kernel.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0), 16, CancellationToken.None);
        var loop = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync(_stop.Token);
            var buffer = new byte[4096];
            int n;
            while ((n = await connection.Stream.ReadAsync(buffer, _stop.Token)) > 0)
                await connection.Stream.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            await connection.Stream.WriteAsync("bye"u8.ToArray(), _stop.Token);
            connection.ShutdownSend();
        });
        return (listener, loop);
    }

    private static async Task<NetworkStream> Greet(TcpClient client, int port)
    {
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 5, 1, 0 });
        var choice = new byte[2];
        await stream.ReadExactlyAsync(choice);
        Assert.Equal(new byte[] { 5, 0 }, choice);
        return stream;
    }

    private static byte[] ConnectIPv4(IPAddress address, int port)
    {
        var request = new byte[10];
        request[0] = 5;
        request[1] = 1;
        request[3] = 1;
        address.TryWriteBytes(request.AsSpan(4), out _);
        request[8] = (byte)(port >> 8);
        request[9] = (byte)port;
        return request;
    }

    private static byte[] ConnectDomain(string host, int port)
    {
        var name = Encoding.ASCII.GetBytes(host);
        return [5, 1, 0, 3, (byte)name.Length, .. name, (byte)(port >> 8), (byte)port];
    }

    private static async Task<byte[]> ReadReply(NetworkStream stream)
    {
        var reply = new byte[10];
        await stream.ReadExactlyAsync(reply);
        return reply;
    }

    private static async Task<byte[]> ReadToEnd(NetworkStream stream)
    {
        var all = new MemoryStream();
        await stream.CopyToAsync(all);
        return all.ToArray();
    }

    [Fact]
    public async Task Connect_RelaysBothWaysWithHalfClose()
    {
        var (echo, echoLoop) = await StartEcho();
        await using var _ = echo;
        int port = await StartSocks(_kernel);
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        await stream.WriteAsync(ConnectIPv4(IPAddress.Loopback, echo.LocalEndPoint.Port));
        var reply = await ReadReply(stream);
        Assert.Equal(new byte[] { 5, 0, 0, 1, 127, 0, 0, 1 }, reply[..8]);
        Assert.NotEqual(0, (reply[8] << 8) | reply[9]);

        await stream.WriteAsync("ping"u8.ToArray());
        var echoed = new byte[4];
        await stream.ReadExactlyAsync(echoed);
        Assert.Equal("ping", Encoding.ASCII.GetString(echoed));

        // Half-close: our FIN reaches the upstream, which still sends "bye" and then its own FIN.
        client.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye", Encoding.ASCII.GetString(await ReadToEnd(stream)));
        await echoLoop;
    }

    [Fact]
    public async Task DomainName_WithResolveEntry_Connects()
    {
        var (echo, echoLoop) = await StartEcho();
        await using var _ = echo;
        int port = await StartSocks(new FakeNetwork { Connect = (ep, ct) => _kernel.ConnectAsync(ep, ct) },
            [new ResolveEntry("web.test", null, IPAddress.Loopback)]);
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        await stream.WriteAsync(ConnectDomain("web.test", echo.LocalEndPoint.Port));
        Assert.Equal(0, (await ReadReply(stream))[1]);
        client.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye", Encoding.ASCII.GetString(await ReadToEnd(stream)));
        await echoLoop;
    }

    [Fact]
    public async Task DomainName_WithoutDns_RepliesHostUnreachable()
    {
        var outbound = new FakeNetwork();
        int port = await StartSocks(outbound);
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        await stream.WriteAsync(ConnectDomain("example.test", 80));
        Assert.Equal(new byte[] { 5, 4, 0, 1, 0, 0, 0, 0, 0, 0 }, await ReadReply(stream));
        Assert.Empty(outbound.Connects);
        Assert.Empty(await ReadToEnd(stream));
    }

    [Fact]
    public async Task ClosedPort_RepliesConnectionRefused()
    {
        // Bind then close a port so nothing listens there.
        int closed;
        await using (var temporary = await _kernel.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0), 1, CancellationToken.None))
            closed = temporary.LocalEndPoint.Port;
        int port = await StartSocks(_kernel);
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        await stream.WriteAsync(ConnectIPv4(IPAddress.Loopback, closed));
        Assert.Equal(5, (await ReadReply(stream))[1]);
    }

    [Theory]
    [InlineData(SocketError.HostUnreachable, 4)]
    [InlineData(SocketError.NetworkUnreachable, 3)]
    [InlineData(SocketError.TimedOut, 6)]
    [InlineData(SocketError.ConnectionRefused, 5)]
    [InlineData(SocketError.AccessDenied, 2)]
    [InlineData(SocketError.NoBufferSpaceAvailable, 1)]
    public void SocketErrors_MapToReplyCodes(SocketError error, byte code) =>
        Assert.Equal(code, Socks5Server.ReplyCodeFor(error));

    [Fact]
    public async Task ConnectTimeout_RepliesTtlExpired()
    {
        var outbound = new FakeNetwork
        {
            Connect = async (_, ct) =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                throw new InvalidOperationException();
            },
        };
        int port = await StartSocks(outbound, connectTimeout: TimeSpan.FromMilliseconds(100));
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        await stream.WriteAsync(ConnectIPv4(IPAddress.Parse("198.18.0.1"), 80));
        Assert.Equal(6, (await ReadReply(stream))[1]);
    }

    [Theory]
    [InlineData(2, 7)] // BIND: command not supported
    [InlineData(3, 1)] // UDP ASSOCIATE on a network without UDP: general failure
    public async Task BindAndUdpAssociateWithoutUdp_RepliesFailure(byte command, byte code)
    {
        int port = await StartSocks(new FakeNetwork());
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        var request = ConnectIPv4(IPAddress.Parse("198.18.0.1"), 80);
        request[1] = command;
        await stream.WriteAsync(request);
        Assert.Equal(code, (await ReadReply(stream))[1]);
    }

    [Fact]
    public async Task IPv6Destination_ConnectsAndRepliesWithAddressType4()
    {
        // The upstream on [::1]; the request carries ATYP 4 (RFC 1928 §5), the reply the IPv6 bound address (§6).
        var upstream = await _kernel.ListenAsync(new IPEndPoint(IPAddress.IPv6Loopback, 0), 4, CancellationToken.None);
        await using var _ = upstream;
        var accepted = Task.Run(async () =>
        {
            await using var connection = await upstream.AcceptAsync(_stop.Token);
            await connection.Stream.WriteAsync("six"u8.ToArray(), _stop.Token);
            connection.ShutdownSend();
            return connection.RemoteEndPoint;
        });
        int port = await StartSocks(_kernel);
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        int target = upstream.LocalEndPoint.Port;
        byte[] request = [5, 1, 0, 4, .. IPAddress.IPv6Loopback.GetAddressBytes(), (byte)(target >> 8), (byte)target];
        await stream.WriteAsync(request);
        var reply = new byte[22];
        await stream.ReadExactlyAsync(reply);
        Assert.Equal(new byte[] { 5, 0, 0, 4 }, reply[..4]);
        Assert.Equal(IPAddress.IPv6Loopback, new IPAddress(reply.AsSpan(4, 16)));
        var seen = await accepted;
        Assert.Equal(seen.Port, (reply[20] << 8) | reply[21]);
        Assert.Equal("six", Encoding.ASCII.GetString(await ReadToEnd(stream)));
    }

    [Fact]
    public void Reply_MappedAddress_IsSentAsIPv4()
    {
        var reply = Socks5Server.EncodeReply(0, new IPEndPoint(IPAddress.Parse("::ffff:198.18.0.2"), 0x1234));
        Assert.Equal(new byte[] { 5, 0, 0, 1, 198, 18, 0, 2, 0x12, 0x34 }, reply);
    }

    [Fact]
    public async Task DomainName_GoesToTheNetworksConnectByName()
    {
        var (echo, echoLoop) = await StartEcho();
        await using var _ = echo;
        var outbound = new FakeNetwork
        {
            Resolve = host => host == "dual.test" ? IPAddress.Loopback : throw new NameResolutionException("no such name"),
            Connect = (ep, ct) => _kernel.ConnectAsync(ep, ct),
        };
        int port = await StartSocks(outbound);
        using var client = new TcpClient();
        var stream = await Greet(client, port);
        await stream.WriteAsync(ConnectDomain("dual.test", echo.LocalEndPoint.Port));
        Assert.Equal(0, (await ReadReply(stream))[1]);
        client.Client.Shutdown(SocketShutdown.Send);
        Assert.Equal("bye", Encoding.ASCII.GetString(await ReadToEnd(stream)));
        await echoLoop;
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, echo.LocalEndPoint.Port)], outbound.Connects);
    }

    [Fact]
    public async Task NoAcceptableMethod_Replies0xFFAndCloses()
    {
        int port = await StartSocks(new FakeNetwork());
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(new byte[] { 5, 1, 2 });  // username/password only
        Assert.Equal(new byte[] { 5, 0xFF }, await ReadToEnd(stream));
    }
}
