using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Teeceepee.Dns;
using Teeceepee.Stack;
using Teeceepee.Tests.Sockets;
using static Teeceepee.Tests.Dns.FakeDnsServer;

namespace Teeceepee.Tests.Dns;

/// <summary>The resolver on one real-time stack asking a fake server on another, over a MemoryLink pair.</summary>
public class DnsResolverTests
{
    private static readonly IPAddress s_server = MemoryTcpTestNetwork.ServerAddressV4.ToIPAddress();
    // Short where a timeout is the point of the test; generous elsewhere so JIT on a busy machine never trips it.
    private static readonly TimeSpan s_timeout = TimeSpan.FromMilliseconds(300);

    private static DnsResolver Resolver(NetworkStack stack, params IPAddress[] servers) => Resolver(stack, TimeSpan.FromSeconds(3), servers);

    private static DnsResolver Resolver(NetworkStack stack, TimeSpan timeout, params IPAddress[] servers) =>
        new(stack, new DnsResolverOptions { Servers = servers.Length == 0 ? [s_server] : servers, Timeout = timeout });

    private static ValueTask Reply(FakeDnsServer server, DnsMessage query, IPEndPoint client, params DnsRecord[] answers) =>
        SendAndForget(server.SendAsync(Answer(query, answers), client));

    private static async ValueTask SendAndForget(ValueTask<int> send) => await send;

    [Fact]
    public async Task ARecord_Resolves()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => Reply(s, q, c,
            DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.5.1"), 60), DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.5.2"), 60)));
        var resolver = Resolver(net.Client);

        var addresses = await resolver.GetHostAddressesAsync("Web.Test");

        Assert.Equal([IPAddress.Parse("198.18.5.1"), IPAddress.Parse("198.18.5.2")], addresses);
        Assert.Equal(["Web.Test"], server.Names);
        Assert.Equal(1, resolver.QueriesSent);
    }

    [Fact]
    public async Task Literal_ReturnsWithoutQuery()
    {
        await using var net = new MemoryTcpTestNetwork();
        var resolver = Resolver(net.Client);
        Assert.Equal(IPAddress.Parse("198.18.0.7"), await resolver.ResolveAsync("198.18.0.7"));
        Assert.Equal(0, resolver.QueriesSent);
    }

    [Fact]
    public async Task HostsTable_AnswersBeforeDns()
    {
        await using var net = new MemoryTcpTestNetwork();
        var resolver = new DnsResolver(net.Client, new DnsResolverOptions
        {
            Servers = [s_server],
            Hosts = new Dictionary<string, IPAddress> { ["gw.test"] = IPAddress.Parse("198.18.0.1") },
        });
        Assert.Equal(IPAddress.Parse("198.18.0.1"), await resolver.ResolveAsync("GW.test."));
        Assert.Equal(0, resolver.QueriesSent);
    }

    [Fact]
    public async Task CnameChainInOneAnswer_IsFollowed()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => Reply(s, q, c,
            DnsRecord.ForAlias("www.test", "edge.test", 60),
            DnsRecord.ForAlias("edge.test", "host.test", 60),
            DnsRecord.ForAddress("other.test", A("198.18.9.9"), 60),
            DnsRecord.ForAddress("host.test", A("198.18.5.3"), 60)));
        var resolver = Resolver(net.Client);
        Assert.Equal([IPAddress.Parse("198.18.5.3")], await resolver.GetHostAddressesAsync("www.test"));
        Assert.Equal(1, server.Queries);
    }

    [Fact]
    public async Task CnameWithoutAddress_AsksForTheTarget()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => q.Questions[0].Name == "alias.test"
            ? Reply(s, q, c, DnsRecord.ForAlias("alias.test", "real.test", 60))
            : Reply(s, q, c, DnsRecord.ForAddress("real.test", A("198.18.5.4"), 60)));
        var resolver = Resolver(net.Client);
        Assert.Equal(IPAddress.Parse("198.18.5.4"), await resolver.ResolveAsync("alias.test"));
        Assert.Equal(["alias.test", "real.test"], server.Names);
    }

    [Fact]
    public async Task CnameLoop_IsBounded_HostNotFound()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => q.Questions[0].Name == "a.test"
            ? Reply(s, q, c, DnsRecord.ForAlias("a.test", "b.test", 60))
            : Reply(s, q, c, DnsRecord.ForAlias("b.test", "a.test", 60)));
        var resolver = Resolver(net.Client);
        var e = await Assert.ThrowsAsync<SocketException>(() => resolver.ResolveAsync("a.test").AsTask());
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
        Assert.Equal(9, server.Queries); // MaxCnameChain (8) aliases, then the ninth would exceed it
    }

    [Fact]
    public async Task NxDomain_HostNotFound_WithoutAskingTheNextServer()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) =>
            SendAndForget(s.SendAsync(Answer(q) with { ResponseCode = DnsResponseCode.NameError }, c)));
        var resolver = Resolver(net.Client, s_server, IPAddress.Parse("198.18.0.77"));
        var e = await Assert.ThrowsAsync<SocketException>(() => resolver.ResolveAsync("missing.test").AsTask());
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
        Assert.Contains("NXDOMAIN", e.Message);
        Assert.Equal(1, resolver.QueriesSent);
    }

    [Fact]
    public async Task NoARecord_NoData()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => Reply(s, q, c));
        var resolver = Resolver(net.Client);
        var e = await Assert.ThrowsAsync<SocketException>(() => resolver.ResolveAsync("v6only.test").AsTask());
        Assert.Equal(SocketError.NoData, e.SocketErrorCode);
    }

    [Fact]
    public async Task ServFail_TryAgain_AfterEveryRound()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) =>
            SendAndForget(s.SendAsync(Answer(q) with { ResponseCode = DnsResponseCode.ServerFailure }, c)));
        var resolver = Resolver(net.Client);
        var e = await Assert.ThrowsAsync<SocketException>(() => resolver.ResolveAsync("broken.test").AsTask());
        Assert.Equal(SocketError.TryAgain, e.SocketErrorCode);
        Assert.Equal(2, server.Queries); // Attempts = 2 rounds over one server
    }

    [Fact]
    public async Task SilentServer_TimedOut()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => ValueTask.CompletedTask);
        var resolver = Resolver(net.Client, s_timeout);
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<SocketException>(() => resolver.ResolveAsync("slow.test").AsTask());
        Assert.Equal(SocketError.TimedOut, e.SocketErrorCode);
        Assert.Equal(2, server.Queries);
        Assert.InRange(DateTime.UtcNow - started, 2 * s_timeout - TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task FirstServerTimesOut_SecondServerAnswers()
    {
        // Nobody has 198.18.0.50; slow ARP retries keep its query waiting, so only the resolver's timeout ends it.
        await using var net = new MemoryTcpTestNetwork(o => o with { ArpRetryInterval = TimeSpan.FromSeconds(30) });
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => Reply(s, q, c, DnsRecord.ForAddress("web.test", A("198.18.5.5"), 60)));
        var resolver = Resolver(net.Client, s_timeout, IPAddress.Parse("198.18.0.50"), s_server);
        var started = DateTime.UtcNow;
        Assert.Equal(IPAddress.Parse("198.18.5.5"), await resolver.ResolveAsync("web.test"));
        Assert.True(DateTime.UtcNow - started >= s_timeout - TimeSpan.FromMilliseconds(50));
        Assert.Equal(2, resolver.QueriesSent);
        Assert.Equal(1, server.Queries);
    }

    [Fact]
    public async Task SpoofedAnswers_WrongIdAndQuestion_AreIgnored()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, async (s, q, c) =>
        {
            var forged = DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.66.6"), 60);
            await s.SendAsync(Answer(q, forged) with { Id = (ushort)(q.Id + 1) }, c);
            await s.SendAsync(Answer(q, forged) with { Questions = [new DnsQuestion("other.test", DnsRecordType.A)] }, c);
            await s.SendAsync(Answer(q, forged) with { Questions = [q.Questions[0] with { Type = DnsRecordType.AAAA }] }, c);
            await s.SendAsync(Answer(q, forged) with { IsResponse = false }, c);
            await Task.Delay(20);
            await s.SendAsync(Answer(q, DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.5.6"), 60)), c);
        });
        var resolver = Resolver(net.Client);
        Assert.Equal(IPAddress.Parse("198.18.5.6"), await resolver.ResolveAsync("bank.test"));
        Assert.Equal(4, resolver.ResponsesIgnored);
    }

    [Fact]
    public async Task SpoofedAnswer_FromWrongPort_NeverReachesTheResolver()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, async (s, q, c) =>
        {
            await s.SendAsync(Answer(q, DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.66.6"), 60)), c, fromWrongPort: true);
            await Task.Delay(20);
            await s.SendAsync(Answer(q, DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.5.7"), 60)), c);
        });
        var resolver = Resolver(net.Client);
        Assert.Equal(IPAddress.Parse("198.18.5.7"), await resolver.ResolveAsync("bank.test"));
        Assert.Equal(1, net.Client.Stats.Drops[DropReason.PortUnreachable]);
    }

    [Fact]
    public async Task EachQuery_UsesItsOwnRandomPortAndId()
    {
        await using var net = new MemoryTcpTestNetwork();
        var seen = new List<(int Port, ushort Id)>();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) =>
        {
            lock (seen)
                seen.Add((c.Port, q.Id));
            return Reply(s, q, c, DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.5.8"), 0));
        });
        var resolver = Resolver(net.Client);
        for (int i = 0; i < 8; i++)
            await resolver.ResolveAsync("web.test"); // TTL 0: never cached
        Assert.Equal(8, seen.Count);
        Assert.True(seen.Select(x => x.Port).Distinct().Count() >= 6, string.Join(",", seen));
        Assert.True(seen.Select(x => x.Id).Distinct().Count() >= 6, string.Join(",", seen));
    }

    [Fact]
    public async Task Cache_AnswersUntilTheTtlPasses()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => Reply(s, q, c,
            DnsRecord.ForAlias("web.test", "host.test", 30), DnsRecord.ForAddress("host.test", A("198.18.5.9"), 100)));
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var resolver = new DnsResolver(net.Client, new DnsResolverOptions { Servers = [s_server], TimeProvider = clock });

        await resolver.ResolveAsync("web.test");
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(IPAddress.Parse("198.18.5.9"), await resolver.ResolveAsync("WEB.test"));
        Assert.Equal(1, server.Queries);
        Assert.Equal(1, resolver.CacheHits);

        clock.Advance(TimeSpan.FromSeconds(2)); // the CNAME's 30 s bound the entry
        await resolver.ResolveAsync("web.test");
        Assert.Equal(2, server.Queries);
    }

    [Fact]
    public async Task TruncatedAnswer_IsRepeatedOverTcp()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server,
            (s, q, c) => SendAndForget(s.SendAsync(Answer(q) with { Truncated = true }, c)),
            tcpAnswer: q => Answer(q, DnsRecord.ForAddress(q.Questions[0].Name, A("198.18.5.10"), 60)));
        // A generous timeout: the first TCP exchange of a test run pays for JIT on a busy machine.
        var resolver = new DnsResolver(net.Client, new DnsResolverOptions { Servers = [s_server], Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal(IPAddress.Parse("198.18.5.10"), await resolver.ResolveAsync("big.test"));
        Assert.Equal(1, server.TcpQueries);
        Assert.Equal(1, resolver.TcpQueries);
    }

    [Fact]
    public async Task NoServers_TryAgain()
    {
        await using var net = new MemoryTcpTestNetwork();
        var resolver = new DnsResolver(net.Client);
        var e = await Assert.ThrowsAsync<SocketException>(() => resolver.ResolveAsync("web.test").AsTask());
        Assert.Equal(SocketError.TryAgain, e.SocketErrorCode);
        resolver.Servers = [s_server];
        Assert.Equal(s_server, Assert.Single(resolver.Servers));
    }

    [Fact]
    public async Task Cancellation_Throws()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => ValueTask.CompletedTask);
        var resolver = new DnsResolver(net.Client, new DnsResolverOptions { Servers = [s_server], Timeout = TimeSpan.FromSeconds(30) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.ResolveAsync("web.test", cts.Token).AsTask());
    }
}
