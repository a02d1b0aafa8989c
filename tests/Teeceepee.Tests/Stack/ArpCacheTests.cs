using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

public class ArpCacheTests
{
    private sealed class Host : IArpHost
    {
        public readonly List<(Instant At, IPv4Address Address, MacAddress To)> Requests = [];
        public readonly List<(IPv4Address Address, int Dropped)> Failures = [];
        public void SendArpRequest(Instant now, IPv4Address address, MacAddress destination) => Requests.Add((now, address, destination));
        public void OnResolutionFailed(Instant now, IPv4Address address, int droppedFrames) => Failures.Add((address, droppedFrames));
    }

    private static readonly IPv4Address s_neighbour = IPv4Address.Parse("198.18.0.9");
    private static readonly MacAddress s_mac = MacAddress.Parse("02:00:00:00:00:09");

    private static ArpCache NewCache(int capacity = 4, int queue = 2) =>
        new(capacity, queue, maxRequests: 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));

    private static Instant At(double seconds) => new((long)(seconds * TimeSpan.TicksPerSecond));

    [Fact]
    public void Miss_BeginResolve_BroadcastsAndRetriesOneSecondApart_ThenFails()
    {
        var cache = NewCache();
        var host = new Host();
        Assert.False(cache.TryLookup(At(0), s_neighbour, host, out _));
        var entry = cache.BeginResolve(At(0), s_neighbour, host)!;
        entry.Enqueue(new byte[60]);
        Assert.Equal(At(1), cache.PollAt());
        cache.Poll(At(1), host);
        cache.Poll(At(2), host);
        Assert.Equal([At(0), At(1), At(2)], host.Requests.Select(r => r.At));
        Assert.All(host.Requests, r => Assert.True(r.To.IsBroadcast));
        Assert.Empty(host.Failures);
        cache.Poll(At(3), host);
        Assert.Equal([(s_neighbour, 1)], host.Failures);
        Assert.Equal(0, cache.Count);
        Assert.Equal(Instant.MaxValue, cache.PollAt());
    }

    [Fact]
    public void Update_OfIncompleteEntry_ResolvesIt_AndQueuedFramesRemain()
    {
        var cache = NewCache();
        var host = new Host();
        var entry = cache.BeginResolve(At(0), s_neighbour, host)!;
        entry.Enqueue(new byte[] { 1 });
        Assert.Same(entry, cache.Update(At(0.5), s_neighbour, s_mac, create: false));
        Assert.Equal(1, entry.QueuedCount);
        Assert.True(cache.TryLookup(At(0.5), s_neighbour, host, out var mac));
        Assert.Equal(s_mac, mac);
    }

    [Fact]
    public void Update_WithoutCreate_IgnoresUnknownAddresses()
    {
        var cache = NewCache();
        Assert.Null(cache.Update(At(0), s_neighbour, s_mac, create: false));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Queue_IsBounded_DropsOldest()
    {
        var cache = NewCache(queue: 2);
        var entry = cache.BeginResolve(At(0), s_neighbour, new Host())!;
        Assert.False(entry.Enqueue(new byte[] { 1 }));
        Assert.False(entry.Enqueue(new byte[] { 2 }));
        Assert.True(entry.Enqueue(new byte[] { 3 }));
        Assert.True(entry.TryDequeue(out var first));
        Assert.Equal(2, first.Buffer[0]);
        Assert.True(entry.TryDequeue(out var second));
        Assert.Equal(3, second.Buffer[0]);
        Assert.False(entry.TryDequeue(out _));
    }

    [Fact]
    public void Mapping_ExpiresAfterReachableTime_AndIsRefreshedUnicastBefore()
    {
        var cache = NewCache();
        var host = new Host();
        cache.Update(At(0), s_neighbour, s_mac, create: true);
        Assert.True(cache.TryLookup(At(50), s_neighbour, host, out _));
        Assert.Empty(host.Requests);
        Assert.True(cache.TryLookup(At(56), s_neighbour, host, out _)); // inside the refresh window: still usable
        Assert.Equal(s_mac, Assert.Single(host.Requests).To);         // asked directly
        cache.Poll(At(57), host);
        cache.Poll(At(58), host);
        Assert.Equal(3, host.Requests.Count);
        Assert.True(host.Requests[2].To.IsBroadcast);
        cache.Poll(At(60), host);
        Assert.False(cache.TryLookup(At(60), s_neighbour, host, out _));
        Assert.Equal(0, cache.Count);
        Assert.Empty(host.Failures); // a lapsed mapping is no failure: nothing was waiting
    }

    [Fact]
    public void Full_EvictsTheStalestResolvedEntry_ButNeverUnresolvedOnes()
    {
        var cache = NewCache(capacity: 2);
        var host = new Host();
        cache.Update(At(0), IPv4Address.Parse("198.18.0.10"), s_mac, create: true);
        cache.Update(At(1), IPv4Address.Parse("198.18.0.11"), s_mac, create: true);
        Assert.NotNull(cache.BeginResolve(At(2), IPv4Address.Parse("198.18.0.12"), host));
        Assert.Null(cache.Find(IPv4Address.Parse("198.18.0.10")));
        Assert.NotNull(cache.BeginResolve(At(3), IPv4Address.Parse("198.18.0.13"), host));
        Assert.Null(cache.BeginResolve(At(4), IPv4Address.Parse("198.18.0.14"), host));
    }
}
