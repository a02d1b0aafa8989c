using Teeceepee.Links;
using Teeceepee.Stack.Ndp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>The neighbour cache's RFC 4861 §7.3 state machine on virtual time, with a recording host.</summary>
public class NeighborCacheTests
{
    private static readonly IPv6Address Neighbor = IPv6Address.Parse("fe80::77");
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:77");
    private static readonly MacAddress OtherMac = MacAddress.Parse("02:00:00:00:00:78");
    private static readonly Instant T0 = Instant.FromMilliseconds(1000);

    private sealed class Host : INeighborHost
    {
        public List<(Instant At, IPv6Address Target, MacAddress? Unicast)> Solicitations { get; } = [];
        public List<(IPv6Address Address, int Dropped)> Failures { get; } = [];
        public List<int> Flushed { get; } = [];
        public List<(IPv6Address Neighbor, Instant Since)> ConfirmationQueries { get; } = [];
        public Instant? ProgressAt { get; set; }

        public bool ConfirmedSince(IPv6Address neighbor, Instant since)
        {
            ConfirmationQueries.Add((neighbor, since));
            return ProgressAt >= since;
        }

        public void SendNeighborSolicitation(Instant now, IPv6Address target, MacAddress? unicast) => Solicitations.Add((now, target, unicast));
        public void OnNeighborUnreachable(Instant now, IPv6Address address, int droppedFrames) => Failures.Add((address, droppedFrames));
        public void FlushNeighborQueue(Instant now, NeighborEntry entry)
        {
            Flushed.Add(entry.Queue.Count);
            entry.Queue.Clear();
        }
    }

    private static NeighborEntry Resolve(NeighborCache cache, Host host, int queued = 1)
    {
        var entry = cache.BeginResolve(T0, Neighbor, out bool created)!;
        Assert.True(created);
        for (int i = 0; i < queued; i++)
            entry.Queue.Enqueue(new byte[60], LinkOffload.None);
        host.SendNeighborSolicitation(T0, Neighbor, null);
        return entry;
    }

    [Fact]
    public void Incomplete_SolicitedAdvertisement_BecomesReachable_AndReleasesQueue()
    {
        var cache = new NeighborCache(8, 4);
        var host = new Host();
        var entry = Resolve(cache, host, queued: 3);
        Assert.Equal(NeighborState.Incomplete, entry.State);

        Assert.True(cache.OnAdvertisement(T0 + TimeSpan.FromMilliseconds(5), Neighbor, Mac, solicited: true, @override: true, router: false, host));

        Assert.Equal(NeighborState.Reachable, entry.State);
        Assert.Equal(Mac, entry.HardwareAddress);
        Assert.Equal([3], host.Flushed);
    }

    [Fact]
    public void Reachable_Lifecycle_StaleDelayProbe_ThenGone()
    {
        var cache = new NeighborCache(8, 4);
        var host = new Host();
        var entry = Resolve(cache, host);
        cache.OnAdvertisement(T0, Neighbor, Mac, true, true, false, host);

        // REACHABLE → STALE after ReachableTime (30 s).
        var now = T0 + TimeSpan.FromSeconds(30);
        Assert.Equal(now, cache.PollAt());
        cache.Poll(now, host);
        Assert.Equal(NeighborState.Stale, entry.State);
        Assert.Equal(Instant.MaxValue, cache.PollAt());

        // Sending to STALE uses the address and enters DELAY (5 s).
        Assert.True(cache.TryLookup(now, Neighbor, out var mac));
        Assert.Equal(Mac, mac);
        Assert.Equal(NeighborState.Delay, entry.State);

        // DELAY → PROBE with a unicast solicitation; two more one second apart; then the entry is gone.
        now += NeighborCache.DelayFirstProbeTime;
        cache.Poll(now, host);
        Assert.Equal(NeighborState.Probe, entry.State);
        for (int i = 0; i < 3; i++)
        {
            now += TimeSpan.FromSeconds(1);
            cache.Poll(now, host);
        }
        Assert.Null(cache.Find(Neighbor));
        var probes = host.Solicitations.Skip(1).ToList();
        Assert.Equal(3, probes.Count);
        Assert.All(probes, p => Assert.Equal(Mac, p.Unicast));
        Assert.Equal([(Neighbor, 0)], host.Failures);
    }

    /// <summary>A resolved entry left unconfirmed for ReachableTime (STALE), then used at <c>staleAt</c>: DELAY from there.</summary>
    private static (NeighborCache Cache, Host Host, NeighborEntry Entry, Instant StaleAt) InDelay()
    {
        var cache = new NeighborCache(8, 4);
        var host = new Host();
        var entry = Resolve(cache, host);
        cache.OnAdvertisement(T0, Neighbor, Mac, true, true, false, host);
        var staleAt = T0 + TimeSpan.FromSeconds(30);
        cache.Poll(staleAt, host);
        cache.TryLookup(staleAt, Neighbor, out _);
        Assert.Equal(NeighborState.Delay, entry.State);
        return (cache, host, entry, staleAt);
    }

    [Fact]
    public void Delay_UpperLayerProgressSinceDelayBegan_BecomesReachable_WithoutProbe()
    {
        var (cache, host, entry, staleAt) = InDelay();
        host.ProgressAt = staleAt + TimeSpan.FromSeconds(2);

        var delayEnds = staleAt + NeighborCache.DelayFirstProbeTime;
        cache.Poll(delayEnds, host);

        Assert.Equal(NeighborState.Reachable, entry.State);
        Assert.Equal([(Neighbor, staleAt)], host.ConfirmationQueries);
        Assert.Single(host.Solicitations); // only the first resolution's
        Assert.Equal(delayEnds + cache.ReachableTime, cache.PollAt());
    }

    [Fact]
    public void Delay_ProgressOnlyBeforeDelayBegan_StillProbes()
    {
        var (cache, host, entry, staleAt) = InDelay();
        host.ProgressAt = staleAt - TimeSpan.FromMilliseconds(1); // older than the DELAY state: proves nothing now

        cache.Poll(staleAt + NeighborCache.DelayFirstProbeTime, host);

        Assert.Equal(NeighborState.Probe, entry.State);
        Assert.Equal(Mac, host.Solicitations[^1].Unicast);
    }

    [Fact]
    public void Probe_ConfirmedBySolicitedAdvertisement_BecomesReachable()
    {
        var cache = new NeighborCache(8, 4);
        var host = new Host();
        var entry = Resolve(cache, host);
        cache.OnAdvertisement(T0, Neighbor, Mac, true, true, false, host);
        cache.Poll(T0 + TimeSpan.FromSeconds(30), host);
        cache.TryLookup(T0 + TimeSpan.FromSeconds(30), Neighbor, out _);
        cache.Poll(T0 + TimeSpan.FromSeconds(35), host);
        Assert.Equal(NeighborState.Probe, entry.State);

        cache.OnAdvertisement(T0 + TimeSpan.FromSeconds(35.5), Neighbor, null, solicited: true, @override: false, router: false, host);

        Assert.Equal(NeighborState.Reachable, entry.State);
        Assert.Equal(Mac, entry.HardwareAddress);
    }

    [Fact]
    public void Incomplete_NoAnswer_ThreeMulticastSolicitations_ThenQueuedPacketsDropped()
    {
        var cache = new NeighborCache(8, 4);
        var host = new Host();
        Resolve(cache, host, queued: 6); // the queue holds 4: the two oldest were pushed out
        for (int i = 1; i <= 3; i++)
            cache.Poll(T0 + TimeSpan.FromSeconds(i), host);

        Assert.Equal(3, host.Solicitations.Count);
        Assert.All(host.Solicitations, s => Assert.Null(s.Unicast));
        Assert.Equal([(Neighbor, 4)], host.Failures);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Reachable_UnsolicitedOverrideWithNewAddress_BecomesStale_WithTheNewAddress()
    {
        var cache = new NeighborCache(8, 4);
        var host = new Host();
        var entry = Resolve(cache, host);
        cache.OnAdvertisement(T0, Neighbor, Mac, true, true, false, host);

        cache.OnAdvertisement(T0 + TimeSpan.FromSeconds(1), Neighbor, OtherMac, solicited: false, @override: false, router: false, host);
        Assert.Equal(NeighborState.Stale, entry.State);
        Assert.Equal(Mac, entry.HardwareAddress); // without O the address is kept (§7.2.5)

        cache.OnAdvertisement(T0 + TimeSpan.FromSeconds(2), Neighbor, OtherMac, solicited: false, @override: true, router: false, host);
        Assert.Equal(OtherMac, entry.HardwareAddress);
        Assert.Equal(NeighborState.Stale, entry.State);
    }

    [Fact]
    public void Full_FloodOfSolicitations_EvictsLeastRecentlyUsed_NeverGrows()
    {
        var cache = new NeighborCache(16, 4);
        var host = new Host();
        for (int i = 0; i < 1000; i++)
            cache.OnLinkLayerAddress(T0 + TimeSpan.FromMilliseconds(i), new IPv6Address(0xFE80_0000_0000_0000, (ulong)i + 1), Mac, host);
        Assert.Equal(16, cache.Count);
        Assert.NotNull(cache.Find(new IPv6Address(0xFE80_0000_0000_0000, 1000)));
        Assert.Null(cache.Find(new IPv6Address(0xFE80_0000_0000_0000, 1)));
    }
}
