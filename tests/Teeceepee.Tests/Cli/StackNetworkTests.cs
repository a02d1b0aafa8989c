using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Teeceepee.Cli.Bench;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Serve;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Links;

namespace Teeceepee.Tests.Cli;

/// <summary>The CLI's stack-backed <see cref="INetwork"/> on two real stacks joined by a MemoryLink (no root needed).</summary>
public sealed class StackNetworkTests : IAsyncLifetime
{
    private INetwork _a = null!;
    private INetwork _b = null!;
    private readonly StringWriter _traceA = new();

    // Distinct seeds: each stack derives its random MAC from its seed.
    private static LinkOptions Options(string address, string name, int seed) => new()
    {
        Kind = LinkKind.Tap,
        Device = name,
        Address = IPAddress.Parse(address),
        PrefixLength = 24,
        Seed = seed,
    };

    public Task InitializeAsync()
    {
        var (first, second) = MemoryLink.CreatePair();
        _a = TeeceepeeNetwork.FromLink(first, Options("198.18.0.2", "mem-a", 1) with { TraceFrames = true }, TextWriter.Synchronized(_traceA));
        _b = TeeceepeeNetwork.FromLink(second, Options("198.18.0.1", "mem-b", 2), null);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task Ping_BetweenTwoStacks_PrintsRepliesWithTtl64()
    {
        var output = new StringWriter { NewLine = "\n" };
        var session = new PingSession((seq, size, wait, ct) => _a.PingAsync(IPAddress.Parse("198.18.0.1"), seq, size, wait, ct), output);
        int code = await session.RunAsync("198.18.0.1", IPAddress.Parse("198.18.0.1"), new PingOptions { Count = 2, Interval = TimeSpan.FromMilliseconds(10), Timeout = TimeSpan.FromSeconds(5) }, CancellationToken.None);
        Assert.Equal(0, code);
        Assert.Contains("64 bytes from 198.18.0.1: icmp_seq=1 ttl=64 time=", output.ToString());
        Assert.Contains("2 packets transmitted, 2 received, 0% packet loss", output.ToString());
        // -v with frame tracing: ARP and the echo exchange appear in the trace.
        string trace = _traceA.ToString();
        Assert.Contains("ARP", trace);
        Assert.Contains("198.18.0.2 > 198.18.0.1", trace);
    }

    [Fact]
    public async Task Ping_InfiniteTimeout_GetsTheReply()
    {
        var reply = await _a.PingAsync(IPAddress.Parse("198.18.0.1"), 1, 56, Timeout.InfiniteTimeSpan, CancellationToken.None);
        Assert.True(reply.Replied);
    }

    [Fact]
    public async Task Ping_NextHopSilent_ReportsHostUnreachableFromOwnAddress()
    {
        // iputils: "From 198.18.0.2 icmp_seq=1 Destination Host Unreachable" (the error comes from us: ARP failed).
        var reply = await _a.PingAsync(IPAddress.Parse("198.18.0.77"), 1, 56, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(reply.Replied);
        Assert.Equal("Destination Host Unreachable", reply.Error);
        Assert.Equal("198.18.0.2", reply.ErrorFrom);
    }

    [Fact]
    public async Task Ping_LargePayload_ComesBackWhole()
    {
        var reply = await _a.PingAsync(IPAddress.Parse("198.18.0.1"), 1, 3000, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.True(reply.Replied);
        Assert.Equal(3008, reply.Bytes);
        Assert.Equal(64, reply.Ttl);
    }

    [Fact]
    public async Task HostName_WithoutDnsServer_FailsWithHint()
    {
        var e = await Assert.ThrowsAsync<NameResolutionException>(async () => await _a.ResolveAsync("web.test", CancellationToken.None));
        Assert.True(e.DnsUnavailable);
        Assert.Equal("no DNS server: give --dns ADDR, or --dhcp, or --slaac on a link whose router advertises one (RDNSS)", e.Message);
        Assert.Equal(IPAddress.Parse("198.18.0.9"), await _a.ResolveAsync("198.18.0.9", CancellationToken.None));
    }

    [Fact]
    public async Task HostName_WithDns_ResolvesThroughTheStack()
    {
        var (first, second) = MemoryLink.CreatePair();
        await using var client = TeeceepeeNetwork.FromLink(first, Options("198.18.0.2", "mem-e", 5) with { Dns = IPAddress.Parse("198.18.0.1") }, null);
        await using var peer = (TeeceepeeNetwork)TeeceepeeNetwork.FromLink(second, Options("198.18.0.1", "mem-f", 6), null);
        await using var dns = new Dns.FakeDnsServer(peer.Stack, async (s, q, c) =>
            await s.SendAsync(Dns.FakeDnsServer.Answer(q) with
            {
                ResponseCode = q.Questions[0].Name == "web.test" ? Teeceepee.Dns.DnsResponseCode.NoError : Teeceepee.Dns.DnsResponseCode.NameError,
                Answers = q.Questions[0].Name == "web.test" ? [Teeceepee.Dns.DnsRecord.ForAddress("web.test", Dns.FakeDnsServer.A("198.18.0.1"), 60)] : [],
            }, c));

        Assert.Equal(IPAddress.Parse("198.18.0.1"), await client.ResolveAsync("web.test", CancellationToken.None));
        var e = await Assert.ThrowsAsync<NameResolutionException>(async () => await client.ResolveAsync("nowhere.test", CancellationToken.None));
        Assert.False(e.DnsUnavailable);
        Assert.Equal("name does not exist (NXDOMAIN from 198.18.0.1)", e.Message);
    }

    [Fact]
    public async Task FullLoss_PingTimesOut()
    {
        var (first, second) = MemoryLink.CreatePair();
        await using var lossy = TeeceepeeNetwork.FromLink(first, Options("198.18.0.2", "mem-c", 3) with { Loss = 1.0 }, null);
        await using var peer = TeeceepeeNetwork.FromLink(second, Options("198.18.0.1", "mem-d", 4), null);
        var reply = await lossy.PingAsync(IPAddress.Parse("198.18.0.1"), 1, 56, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.False(reply.Replied);
        Assert.Null(reply.Error);
    }

    [Fact]
    public async Task Curl_FetchesFromServe_AcrossTwoStacks()
    {
        string root = Directory.CreateTempSubdirectory($"tcp-stack-serve-{Environment.ProcessId}-").FullName;
        try
        {
            var data = new byte[300_000];
            new Random(9).NextBytes(data);
            await File.WriteAllBytesAsync(Path.Combine(root, "data.bin"), data);
            await using var site = await StaticSite.StartAsync(_b, root, 80, null, null, CancellationToken.None);

            var output = new MemoryStream();
            var options = new CurlOptions { Url = new Uri("http://198.18.0.1/data.bin"), MaxTime = TimeSpan.FromSeconds(20) };
            Assert.Equal(0, await new CurlRunner(_a, options, output).RunAsync(CancellationToken.None));
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(output.ToArray()));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public async Task Listen_PortZero_GetsAnEphemeralPortThatAccepts()
    {
        await using var listener = await _b.ListenAsync(new IPEndPoint(IPAddress.Any, 0), 16, CancellationToken.None);
        int port = listener.LocalEndPoint.Port;
        Assert.InRange(port, 49152, 65535);
        var accept = listener.AcceptAsync(CancellationToken.None);
        await using var client = await _a.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), port), CancellationToken.None);
        await using var server = await accept.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Connect_ToClosedPort_IsRefused()
    {
        var e = await Assert.ThrowsAsync<SocketException>(async () => await _a.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 9), CancellationToken.None));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task Echo_AcrossTwoStacks_ReturnsBytesAndHalfCloses()
    {
        await using var listener = await _b.ListenAsync(new IPEndPoint(IPAddress.Any, 5003), 16, CancellationToken.None);
        var accepted = Task.Run(async () => BenchServer.ServeAsync(BenchServer.Role.Echo, await listener.AcceptAsync(CancellationToken.None), CancellationToken.None));
        await using var client = await _a.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 5003), CancellationToken.None);
        var one = new byte[1];
        for (int i = 0; i < 50; i++)
        {
            await client.Stream.WriteAsync(new[] { (byte)i });
            await client.Stream.ReadExactlyAsync(one);
            Assert.Equal((byte)i, one[0]);
        }
        client.ShutdownSend();
        Assert.Equal(0, await client.Stream.ReadAsync(one));
        await (await accepted);
    }
}
