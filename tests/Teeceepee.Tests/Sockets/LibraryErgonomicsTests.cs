using System.Net;
using System.Net.Sockets;
using Teeceepee.Dns;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Sockets;

/// <summary>
/// The library's conveniences: connecting by host name through a resolver, NetworkStream-like timeouts on
/// <see cref="TcpStream"/>, a stack that owns its link, and <see cref="IPAddress"/> wherever an IPv4Address is taken.
/// </summary>
public sealed class LibraryErgonomicsTests : IAsyncLifetime
{
    private MemoryTcpTestNetwork _net = null!;
    private TcpConnectionListener _listener = null!;

    public Task InitializeAsync()
    {
        _net = new MemoryTcpTestNetwork();
        _listener = new TcpConnectionListener(_net.Server, new IPEndPoint(IPAddress.Any, 80));
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _net.DisposeAsync();
    }

    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    /// <summary>A resolver that knows one name and counts its calls.</summary>
    private sealed class OneName(string name, IPAddress address) : IHostResolver
    {
        public int Calls { get; private set; }

        public ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken = default)
        {
            Calls++;
            return host == name ? ValueTask.FromResult(address) : ValueTask.FromException<IPAddress>(new SocketException((int)SocketError.HostNotFound));
        }
    }

    [Fact]
    public async Task ConnectByName_ThroughTheStacksDnsResolver_ReachesTheListener()
    {
        // The stack's own DnsResolver answers from its hosts table: no query leaves the stack.
        _net.Client.HostResolver = new DnsResolver(_net.Client, new DnsResolverOptions
        {
            Hosts = new Dictionary<string, IPAddress> { ["web.test"] = _net.ServerAddress },
        });
        await using var client = new TcpConnection(_net.Client);
        var accept = _listener.AcceptAsync(Deadline);

        await client.ConnectAsync("web.test", 80, Deadline);

        await using var server = await accept;
        Assert.Equal(new IPEndPoint(_net.ServerAddress, 80), client.RemoteEndPoint);
        Assert.Equal(client.LocalEndPoint, server.RemoteEndPoint);
    }

    [Fact]
    public async Task ConnectByName_ConnectionResolver_WinsOverTheStacks()
    {
        var stackResolver = new OneName("web.test", IPAddress.Parse("198.18.0.99"));
        var own = new OneName("web.test", _net.ServerAddress);
        _net.Client.HostResolver = stackResolver;
        await using var client = new TcpConnection(_net.Client, new TcpConnectionOptions { Resolver = own });
        var accept = _listener.AcceptAsync(Deadline);

        await client.ConnectAsync("web.test", 80, Deadline);

        await using var _ = await accept;
        Assert.Equal(1, own.Calls);
        Assert.Equal(0, stackResolver.Calls);
    }

    [Fact]
    public async Task ConnectByLiteral_NeedsNoResolver()
    {
        Assert.Null(_net.Client.HostResolver);
        await using var client = new TcpConnection(_net.Client);
        var accept = _listener.AcceptAsync(Deadline);
        await client.ConnectAsync(_net.ServerAddress.ToString(), 80, Deadline);
        await using var _ = await accept;
        Assert.True(client.Connected);
    }

    [Theory]
    [InlineData("2001:db8:e::2")]
    [InlineData("[2001:db8:e::2]")]
    public async Task ConnectByIPv6Literal_NeedsNoResolver(string literal)
    {
        var clientAddress = IPv6Address.Parse("2001:db8:e::1");
        var serverAddress = IPv6Address.Parse("2001:db8:e::2");
        await using var net = new MemoryTcpTestNetwork(o => o with
        {
            IPv6Addresses = [new IPv6AddressPrefix(o.Name == "client" ? clientAddress : serverAddress, 64)],
            DadTransmits = 0,
        });
        await using var listener = new TcpConnectionListener(net.Server, new IPEndPoint(IPAddress.IPv6Any, 8080));
        listener.Start();
        Assert.Null(net.Client.HostResolver);
        await using var client = new TcpConnection(net.Client);
        var accept = listener.AcceptAsync(Deadline);

        await client.ConnectAsync(literal, 8080, Deadline);

        await using var _ = await accept;
        Assert.Equal(new IPEndPoint(serverAddress.ToIPAddress(), 8080), client.RemoteEndPoint);
    }

    [Fact]
    public async Task ConnectByName_WithoutResolver_FailsAtOnceSayingWhatToSet()
    {
        await using var client = new TcpConnection(_net.Client);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await client.ConnectAsync("web.test", 80));
        Assert.Contains("NetworkStack.HostResolver", e.Message);
    }

    [Fact]
    public async Task ConnectByName_UnknownName_FailsWithTheResolversHostNotFound()
    {
        _net.Client.HostResolver = new OneName("web.test", _net.ServerAddress);
        await using var client = new TcpConnection(_net.Client);
        var e = await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync("other.test", 80, Deadline));
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
    }

    [Fact]
    public async Task StreamRead_NothingArrivesWithinReadTimeout_ThrowsIOExceptionWrappingTimedOut_ThenStillReads()
    {
        await using var client = new TcpConnection(_net.Client);
        var accept = _listener.AcceptAsync(Deadline);
        await client.ConnectAsync(new IPEndPoint(_net.ServerAddress, 80), Deadline);
        await using var server = await accept;
        var stream = client.GetStream();
        Assert.True(stream.CanTimeout);
        Assert.Equal(Timeout.Infinite, stream.ReadTimeout);
        stream.ReadTimeout = 100;

        var buffer = new byte[16];
        var e = Assert.Throws<IOException>(() => stream.Read(buffer, 0, buffer.Length));
        Assert.Equal(SocketError.TimedOut, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);

        // Like NetworkStream on Linux, the connection survives a timed-out read.
        await server.SendAsync("late"u8.ToArray(), Deadline);
        stream.ReadTimeout = 10_000;
        Assert.Equal(4, stream.Read(buffer, 0, buffer.Length));
        Assert.Equal("late"u8.ToArray(), buffer[..4]);
    }

    [Fact]
    public async Task StreamWrite_PeerNeverReads_ThrowsIOExceptionWrappingTimedOut()
    {
        await using var client = new TcpConnection(_net.Client, new TcpConnectionOptions { SendBufferSize = 16 * 1024 });
        var accept = _listener.AcceptAsync(Deadline);
        await client.ConnectAsync(new IPEndPoint(_net.ServerAddress, 80), Deadline);
        await using var server = await accept; // never reads: its window and our send buffer fill up
        var stream = client.GetStream();
        stream.WriteTimeout = 200;

        var e = Assert.Throws<IOException>(() => stream.Write(new byte[4 * 1024 * 1024], 0, 4 * 1024 * 1024));
        Assert.Equal(SocketError.TimedOut, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public async Task StreamTimeouts_ZeroOrNegative_AreRefusedLikeNetworkStream(int value)
    {
        await using var client = new TcpConnection(_net.Client);
        var stream = client.GetStream();
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.ReadTimeout = value);
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.WriteTimeout = value);
        stream.WriteTimeout = Timeout.Infinite;
        Assert.Equal(Timeout.Infinite, stream.WriteTimeout);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StackDisposal_DisposesItsLinkOnlyWhenItOwnsIt(bool owns)
    {
        var (first, second) = MemoryLink.CreatePair();
        using var peer = second;
        var stack = new NetworkStack(first, NetworkStackOptions.Create(IPAddress.Parse("198.18.0.7")) with { OwnsLink = owns });
        stack.Start();

        await stack.DisposeAsync();

        if (owns)
            Assert.Throws<ObjectDisposedException>(() => first.TryReceive(Instant.Zero, new byte[2048], out _, out _));
        else
            Assert.False(first.TryReceive(Instant.Zero, new byte[2048], out _, out _)); // still open, nothing waiting
        first.Dispose();
    }

    [Fact]
    public async Task IPAddressOverloads_PingConfigureAndOptions_WorkLikeTheIPv4AddressOnes()
    {
        var options = NetworkStackOptions.Create(IPAddress.Parse("198.18.0.5"), 16, IPAddress.Parse("198.18.0.1"));
        Assert.Equal(IPv4Address.Parse("198.18.0.5"), options.Address);
        Assert.Equal(16, options.PrefixLength);
        Assert.Equal(IPv4Address.Parse("198.18.0.1"), options.Gateway);
        Assert.Throws<ArgumentException>(() => NetworkStackOptions.Create(IPAddress.IPv6Loopback));

        var reply = await _net.Client.PingAsync(_net.ServerAddress, TimeSpan.FromSeconds(5), Deadline);
        Assert.Equal(PingStatus.Success, reply.Status);
        reply = await _net.Client.PingAsync(_net.ServerAddress.MapToIPv6(), 100, TimeSpan.FromSeconds(5), Deadline);
        Assert.Equal(PingStatus.Success, reply.Status);
        Assert.Equal(100, reply.DataSize);

        await _net.Client.ConfigureAsync(IPAddress.Parse("198.18.0.3"), 24, IPAddress.Parse("198.18.0.254"), Deadline);
        Assert.Equal(IPv4Address.Parse("198.18.0.3"), _net.Client.Address);
        Assert.Equal(IPv4Address.Parse("198.18.0.254"), _net.Client.Gateway);
        Assert.Equal(PingStatus.Success, (await _net.Client.PingAsync(_net.ServerAddress, TimeSpan.FromSeconds(5), Deadline)).Status);
    }
}
