using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Teeceepee.AspNetCore;
using Teeceepee.Stack;
using Teeceepee.Tests.Sockets;
using Teeceepee.Wire;

namespace Teeceepee.Tests.AspNetCore;

/// <summary>
/// The Kestrel transport owns every endpoint it is given or refuses it with a clear error: nothing
/// may fall back to a kernel socket (Kestrel tries its socket transport when ours cannot bind).
/// </summary>
public class KestrelEndpointTests
{
    private static int FreeKernelPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static bool KernelAccepts(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<(Exception? Error, bool IPv4Kernel, bool IPv6Kernel)> StartWithUrl(string url, int port)
    {
        await using var net = new MemoryTcpTestNetwork();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).UseUrls(url);
        await using var app = builder.Build();
        app.MapGet("/", () => "x");
        Exception? error = null;
        try
        {
            await app.StartAsync();
        }
        catch (Exception e)
        {
            error = e;
        }
        bool v4 = KernelAccepts(IPAddress.Loopback, port), v6 = Socket.OSSupportsIPv6 && KernelAccepts(IPAddress.IPv6Loopback, port);
        if (error is null)
            await app.StopAsync();
        return (error, v4, v6);
    }

    private static string AllMessages(Exception e) =>
        e is AggregateException a ? string.Join(" | ", a.InnerExceptions.Select(AllMessages)) : e.Message + (e.InnerException is { } inner ? " | " + AllMessages(inner) : "");

    [Fact]
    public async Task Localhost_IsRefusedClearly_AndNoKernelSocketListens()
    {
        int port = FreeKernelPort();
        var (error, v4, v6) = await StartWithUrl($"http://localhost:{port}", port);
        Assert.False(v4, "127.0.0.1 was bound on a kernel socket");
        Assert.False(v6, "[::1] was bound on a kernel socket");
        Assert.NotNull(error);
        Assert.Contains("no loopback interface", AllMessages(error));
    }

    [Fact]
    public async Task IPv6Loopback_IsRefusedClearly_AndNoKernelSocketListens()
    {
        int port = FreeKernelPort();
        var (error, _, v6) = await StartWithUrl($"http://[::1]:{port}", port);
        Assert.False(v6, "[::1] was bound on a kernel socket");
        Assert.NotNull(error);
        Assert.Contains("no loopback interface", AllMessages(error));
    }

    [Fact]
    public async Task Factory_ClaimsEveryEndpoint_SoKestrelNeverFallsBackToSockets()
    {
        await using var net = new MemoryTcpTestNetwork();
        var factory = new TeeceepeeTransportFactory(net.Server);
        Assert.True(factory.CanBind(new IPEndPoint(IPAddress.IPv6Loopback, 80)));
        Assert.True(factory.CanBind(new IPEndPoint(IPAddress.Loopback, 80)));
        Assert.True(factory.CanBind(new UnixDomainSocketEndPoint("/tmp/x.sock")));
    }

    [Theory]
    [InlineData("::1", 80, "no loopback interface")]
    [InlineData("127.0.0.1", 80, "no loopback interface")]
    [InlineData("198.18.0.77", 80, "not the stack's address")]
    [InlineData("fd00:0:0:46::2", 80, "IPv6 is not enabled on the stack")]
    public async Task Factory_RefusesEndpointsTheStackDoesNotOwn(string address, int port, string reason)
    {
        await using var net = new MemoryTcpTestNetwork();
        var factory = new TeeceepeeTransportFactory(net.Server);
        var e = await Assert.ThrowsAsync<NotSupportedException>(async () => await factory.BindAsync(new IPEndPoint(IPAddress.Parse(address), port)));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public async Task Factory_RefusesUnixSockets()
    {
        await using var net = new MemoryTcpTestNetwork();
        var factory = new TeeceepeeTransportFactory(net.Server);
        var e = await Assert.ThrowsAsync<NotSupportedException>(async () => await factory.BindAsync(new UnixDomainSocketEndPoint("/tmp/teeceepee-test.sock")));
        Assert.Contains("TCP over IPv4 and IPv6 only", e.Message);
    }

    [Theory]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("198.18.0.2", "198.18.0.2")]
    [InlineData("::ffff:198.18.0.2", "198.18.0.2")]
    [InlineData("::", "0.0.0.0")]
    public async Task Factory_OnIPv4OnlyStack_BindsAnyAndTheStacksOwnAddress(string address, string bound)
    {
        await using var net = new MemoryTcpTestNetwork();
        var factory = new TeeceepeeTransportFactory(net.Server);
        await using var listener = await factory.BindAsync(new IPEndPoint(IPAddress.Parse(address), 0));
        Assert.Equal(IPAddress.Parse(bound), ((IPEndPoint)listener.EndPoint).Address);
    }

    [Fact]
    public async Task Wildcard_IsServedOnTheStackAsAnyAddress()
    {
        await using var net = new MemoryTcpTestNetwork();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).UseUrls("http://*:8081");
        await using var app = builder.Build();
        app.MapGet("/", () => "any");
        await app.StartAsync();
        try
        {
            using var http = new System.Net.Http.HttpClient(Teeceepee.Http.TeeceepeeHttp.CreateHandler(net.Client)) { Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal("any", await http.GetStringAsync($"http://{net.ServerAddress}:8081/"));
            Assert.False(KernelAccepts(IPAddress.Loopback, 8081) && KernelAccepts(IPAddress.IPv6Loopback, 8081));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static readonly IPAddress ServerV6 = IPAddress.Parse("fd00:0:0:46::2");
    private static readonly IPAddress ClientV6 = IPAddress.Parse("fd00:0:0:46::1");

    // Both stacks with both families; DAD off so the addresses are usable at once.
    private static MemoryTcpTestNetwork DualStackNetwork() => new(o => o with
    {
        IPv6Addresses = [new IPv6AddressPrefix(IPv6Address.FromIPAddress(o.Name == "client" ? ClientV6 : ServerV6), 64)],
        DadTransmits = 0,
    });

    [Theory]
    [InlineData("::", "::")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("fd00:0:0:46::2", "fd00:0:0:46::2")]
    [InlineData("198.18.0.2", "198.18.0.2")]
    public async Task Map_OnDualStackStack_ServesWildcardAsDualStack_AndOwnAddressesAsThemselves(string address, string mapped)
    {
        await using var net = DualStackNetwork();
        var local = TeeceepeeTransportFactory.Map(net.Server, new IPEndPoint(IPAddress.Parse(address), 8080), out string? reason);
        Assert.Null(reason);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(mapped), 8080), local);
    }

    [Theory]
    [InlineData("fd00:0:0:46::77", "not one of the stack's IPv6 addresses")]
    [InlineData("::1", "no loopback interface")]
    [InlineData("198.18.0.77", "not the stack's address")]
    public async Task Map_OnDualStackStack_RefusesAddressesItDoesNotOwn_NamingItsOwn(string address, string reason)
    {
        await using var net = DualStackNetwork();
        Assert.Null(TeeceepeeTransportFactory.Map(net.Server, new IPEndPoint(IPAddress.Parse(address), 8080), out string? why));
        Assert.Contains(reason, why);
        Assert.Contains("[fd00:0:0:46::2]", why);
        Assert.Contains("[::] (both families)", why);
    }

    [Fact]
    public async Task ListenAnyIP_OnDualStackStack_OneListenerServesBothFamilies_IPv4PeerSeenMapped()
    {
        await using var net = DualStackNetwork();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTeeceepee(net.Server).ConfigureKestrel(k => k.ListenAnyIP(8082));
        await using var app = builder.Build();
        app.MapGet("/", (Microsoft.AspNetCore.Http.HttpContext c) => $"{c.Connection.RemoteIpAddress} {c.Connection.LocalIpAddress}");
        await app.StartAsync();
        try
        {
            Assert.Equal("http://[::]:8082", Assert.Single(app.Urls));
            using var http = new System.Net.Http.HttpClient(Teeceepee.Http.TeeceepeeHttp.CreateHandler(net.Client)) { Timeout = TimeSpan.FromSeconds(30) };
            Assert.Equal($"{ClientV6} {ServerV6}", await http.GetStringAsync($"http://[{ServerV6}]:8082/"));
            // As on Kestrel's socket transport (a DualMode socket on [::]): IPv4 peers appear as IPv4-mapped addresses.
            Assert.Equal("::ffff:198.18.0.1 ::ffff:198.18.0.2", await http.GetStringAsync("http://198.18.0.2:8082/"));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
