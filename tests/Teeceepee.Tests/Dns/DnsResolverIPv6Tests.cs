using System.Net;
using System.Net.Sockets;
using Teeceepee.Dns;
using Teeceepee.Tests.Sockets;
using Teeceepee.Wire;
using static Teeceepee.Tests.Dns.FakeDnsServer;

namespace Teeceepee.Tests.Dns;

/// <summary>AAAA (RFC 3596) next to A: both asked at once, answers ordered by RFC 6724, cached per type.</summary>
public class DnsResolverIPv6Tests
{
    private static readonly IPAddress s_server = MemoryTcpTestNetwork.ServerAddressV4.ToIPAddress();
    private static readonly IPAddress s_ownV6 = IPAddress.Parse("2001:db8::2");

    // The host's sources as its IPv6 host would pick them: a global IPv6 address and the IPv4 one.
    private static IPAddress? DualStackSources(IPAddress destination) =>
        destination.AddressFamily == AddressFamily.InterNetworkV6 ? s_ownV6 : MemoryTcpTestNetwork.ClientAddress.ToIPAddress();

    private static DnsResolver Resolver(MemoryTcpTestNetwork net, bool? queryIPv6 = true, Func<IPAddress, IPAddress?>? sources = null) =>
        new(net.Client, new DnsResolverOptions
        {
            Servers = [s_server],
            Timeout = TimeSpan.FromSeconds(3),
            QueryIPv6 = queryIPv6,
            SourceAddressSelector = sources ?? DualStackSources,
        });

    // Answers each question with the records of its type: web.test has A 198.18.5.1 and AAAA 2001:db8::5.
    private static FakeDnsServer DualServer(MemoryTcpTestNetwork net, bool withAaaa = true, bool withA = true) => new(net.Server, (s, q, c) =>
    {
        var question = q.Questions[0];
        DnsRecord[] answers = question.Type switch
        {
            DnsRecordType.A when withA => [DnsRecord.ForAddress(question.Name, A("198.18.5.1"), 60)],
            DnsRecordType.AAAA when withAaaa => [DnsRecord.ForAddress(question.Name, IPv6Address.Parse("2001:db8::5"), 60)],
            _ => [],
        };
        return Send(s.SendAsync(Answer(q, answers), c));
    });

    private static async ValueTask Send(ValueTask<int> send) => await send;

    [Fact]
    public async Task DualStackHost_AsksAaaaAndA_IPv6First()
    {
        await using var net = new MemoryTcpTestNetwork();
        var types = new List<DnsRecordType>();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) =>
        {
            lock (types)
                types.Add(q.Questions[0].Type);
            return Send(s.SendAsync(Answer(q, q.Questions[0].Type == DnsRecordType.A
                ? DnsRecord.ForAddress("web.test", A("198.18.5.1"), 60)
                : DnsRecord.ForAddress("web.test", IPv6Address.Parse("2001:db8::5"), 60)), c));
        });
        var resolver = Resolver(net);

        var addresses = await resolver.GetHostAddressesAsync("web.test");

        // RFC 6724 rule 6: ::/0 (precedence 40) before ::ffff:0:0/96 (35).
        Assert.Equal([IPAddress.Parse("2001:db8::5"), IPAddress.Parse("198.18.5.1")], addresses);
        Assert.Equal([DnsRecordType.A, DnsRecordType.AAAA], types.Order());
        Assert.Equal(2, resolver.QueriesSent);
    }

    [Fact]
    public async Task HostWithoutIPv6Source_AsksAOnly()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = DualServer(net);
        // The default: the stack's own addresses, IPv4 only here (like getaddrinfo's AI_ADDRCONFIG).
        var resolver = new DnsResolver(net.Client, new DnsResolverOptions { Servers = [s_server], Timeout = TimeSpan.FromSeconds(3) });

        Assert.False(resolver.AsksIPv6);
        Assert.Equal([IPAddress.Parse("198.18.5.1")], await resolver.GetHostAddressesAsync("web.test"));
        Assert.Equal(1, server.Queries);
    }

    [Fact]
    public async Task IPv6WithoutSource_IsSortedLast()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = DualServer(net);
        var resolver = Resolver(net, sources: d => d.AddressFamily == AddressFamily.InterNetwork ? MemoryTcpTestNetwork.ClientAddress.ToIPAddress() : null);

        // RFC 6724 rule 1: a destination without a usable source goes last.
        Assert.Equal([IPAddress.Parse("198.18.5.1"), IPAddress.Parse("2001:db8::5")], await resolver.GetHostAddressesAsync("web.test"));
    }

    [Fact]
    public async Task FamilyIPv6_AsksAaaaOnly()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = DualServer(net);
        var resolver = Resolver(net, queryIPv6: false);

        Assert.Equal([IPAddress.Parse("2001:db8::5")], await resolver.GetHostAddressesAsync("web.test", AddressFamily.InterNetworkV6));
        Assert.Equal(1, server.Queries);
    }

    [Fact]
    public async Task Cache_IsPerRecordType()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = DualServer(net);
        var resolver = Resolver(net);

        await resolver.GetHostAddressesAsync("web.test", AddressFamily.InterNetwork);
        var both = await resolver.GetHostAddressesAsync("web.test");
        var again = await resolver.GetHostAddressesAsync("web.test");

        Assert.Equal(2, both.Length);
        Assert.Equal(both, again);
        Assert.Equal(2, server.Queries);        // A once, AAAA once
        Assert.Equal(3, resolver.CacheHits);    // A for the second lookup; A and AAAA for the third
    }

    [Fact]
    public async Task NoAaaa_ReturnsTheIPv4Addresses()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = DualServer(net, withAaaa: false);
        var resolver = Resolver(net);
        Assert.Equal([IPAddress.Parse("198.18.5.1")], await resolver.GetHostAddressesAsync("web.test"));
    }

    [Fact]
    public async Task NoAddressOfEitherFamily_NoData()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = DualServer(net, withAaaa: false, withA: false);
        var resolver = Resolver(net);
        var e = await Assert.ThrowsAsync<SocketException>(async () => await resolver.GetHostAddressesAsync("web.test"));
        Assert.Equal(SocketError.NoData, e.SocketErrorCode);
        Assert.Equal("web.test: the name has no address", e.Message);
    }

    [Fact]
    public async Task NoAaaaAskedForIPv6_NoData()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = DualServer(net, withAaaa: false);
        var resolver = Resolver(net);
        var e = await Assert.ThrowsAsync<SocketException>(async () => await resolver.GetHostAddressesAsync("web.test", AddressFamily.InterNetworkV6));
        Assert.Equal(SocketError.NoData, e.SocketErrorCode);
        Assert.Equal("web.test: the name has no IPv6 address", e.Message);
    }

    [Fact]
    public async Task NxDomain_ForBoth_HostNotFound()
    {
        await using var net = new MemoryTcpTestNetwork();
        await using var server = new FakeDnsServer(net.Server, (s, q, c) => Send(s.SendAsync(Answer(q) with { ResponseCode = DnsResponseCode.NameError }, c)));
        var resolver = Resolver(net);
        var e = await Assert.ThrowsAsync<SocketException>(async () => await resolver.GetHostAddressesAsync("gone.test"));
        Assert.Equal(SocketError.HostNotFound, e.SocketErrorCode);
    }

    [Theory]
    [InlineData("2001:db8::7")]
    [InlineData("[2001:db8::7]")]
    public async Task IPv6Literal_ReturnsWithoutQuery(string host)
    {
        await using var net = new MemoryTcpTestNetwork();
        var resolver = Resolver(net);
        Assert.Equal([IPAddress.Parse("2001:db8::7")], await resolver.GetHostAddressesAsync(host));
        var e = await Assert.ThrowsAsync<SocketException>(async () => await resolver.GetHostAddressesAsync(host, AddressFamily.InterNetwork));
        Assert.Equal(SocketError.NoData, e.SocketErrorCode);
        Assert.Equal(0, resolver.QueriesSent);
    }

    [Fact]
    public async Task Servers_TakeIPv6Addresses_MappedOnesAsIPv4()
    {
        await using var net = new MemoryTcpTestNetwork();
        var resolver = Resolver(net);
        resolver.Servers = [IPAddress.Parse("fd00:1::53"), IPAddress.Parse("::ffff:198.18.0.53")];
        Assert.Equal([IPAddress.Parse("fd00:1::53"), IPAddress.Parse("198.18.0.53")], resolver.Servers);
    }
}
