using System.Net;
using Teeceepee.Cli.Commands;
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
    public async Task Ping_LargePayload_ComesBackWhole()
    {
        var reply = await _a.PingAsync(IPAddress.Parse("198.18.0.1"), 1, 3000, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.True(reply.Replied);
        Assert.Equal(3008, reply.Bytes);
        Assert.Equal(64, reply.Ttl);
    }

    [Fact]
    public async Task HostName_IsNotResolvedBeforeDns()
    {
        var e = await Assert.ThrowsAsync<NameResolutionException>(async () => await _a.ResolveAsync("web.test", CancellationToken.None));
        Assert.True(e.DnsUnavailable);
        Assert.Equal(IPAddress.Parse("198.18.0.9"), await _a.ResolveAsync("198.18.0.9", CancellationToken.None));
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
}
