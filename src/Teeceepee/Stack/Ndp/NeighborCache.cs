using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>
/// The neighbour cache of RFC 4861 §7.3: address resolution with a bounded queue per neighbour,
/// and neighbour unreachability detection through INCOMPLETE, REACHABLE, STALE, DELAY and PROBE.
/// Bounded: when full, the least recently used resolved entry makes room; unresolved ones are never evicted
/// by a newcomer (a flood of solicitations cannot push out the neighbours we are resolving).
/// Pure: time is passed in, packets go out through <see cref="INeighborHost"/>.
/// </summary>
internal sealed class NeighborCache(int capacity, int queueCapacity)
{
    /// <summary>MAX_MULTICAST_SOLICIT and MAX_UNICAST_SOLICIT (RFC 4861 §10).</summary>
    public const int MaxSolicits = 3;

    /// <summary>DELAY_FIRST_PROBE_TIME (RFC 4861 §10).</summary>
    public static readonly TimeSpan DelayFirstProbeTime = TimeSpan.FromSeconds(5);

    private readonly Dictionary<IPv6Address, NeighborEntry> _entries = new(Math.Min(capacity, 64));

    /// <summary>How long a confirmation keeps an entry REACHABLE (RFC 4861 §6.3.2: an RA may change it).</summary>
    public TimeSpan ReachableTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time between solicitations (RetransTimer; an RA may change it).</summary>
    public TimeSpan RetransTimer { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Entries held.</summary>
    public int Count => _entries.Count;

    /// <summary>Resolved entries evicted to make room for new neighbours (a full cache under a flood of solicitations).</summary>
    public long Evictions => Volatile.Read(ref _evictions);

    private long _evictions;

    /// <summary>The entry for <paramref name="address"/>, if any.</summary>
    public NeighborEntry? Find(IPv6Address address) => _entries.GetValueOrDefault(address);

    /// <summary>
    /// The link-layer address to send to, when known. Sending to a STALE entry starts the DELAY timer (§7.3.3).
    /// </summary>
    public bool TryLookup(Instant now, IPv6Address address, out MacAddress mac)
    {
        if (_entries.TryGetValue(address, out var e) && e.State != NeighborState.Incomplete)
        {
            e.UsedAt = now;
            if (e.State == NeighborState.Stale)
                Enter(e, NeighborState.Delay, now + DelayFirstProbeTime);
            mac = e.HardwareAddress;
            return true;
        }
        mac = default;
        return false;
    }

    /// <summary>
    /// The entry to queue a packet on while <paramref name="address"/> resolves: an existing one, or a new INCOMPLETE
    /// one (<paramref name="created"/>: the caller sends the first multicast solicitation after queueing). Null when full.
    /// </summary>
    public NeighborEntry? BeginResolve(Instant now, IPv6Address address, out bool created)
    {
        created = false;
        if (_entries.TryGetValue(address, out var e))
            return e;
        e = Create(now, address);
        if (e is null)
            return null;
        Enter(e, NeighborState.Incomplete, now + RetransTimer);
        e.Probes = 1;
        created = true;
        return e;
    }

    /// <summary>
    /// A solicitation, router solicitation or advertisement carried the sender's link-layer address
    /// (§7.2.3, §6.2.6, §6.3.4): create the entry STALE, or make it STALE when the address changed; an
    /// INCOMPLETE entry releases its queue. <paramref name="create"/> false only updates an existing entry.
    /// </summary>
    public void OnLinkLayerAddress(Instant now, IPv6Address address, MacAddress mac, INeighborHost host, bool create = true, bool isRouter = false)
    {
        if (!_entries.TryGetValue(address, out var e))
        {
            if (!create || (e = Create(now, address)) is null)
                return;
            e.HardwareAddress = mac;
            e.IsRouter |= isRouter;
            Enter(e, NeighborState.Stale, Instant.MaxValue);
            return;
        }
        e.IsRouter |= isRouter;
        if (e.State == NeighborState.Incomplete)
        {
            e.HardwareAddress = mac;
            Enter(e, NeighborState.Stale, Instant.MaxValue);
            host.FlushNeighborQueue(now, e);
        }
        else if (e.HardwareAddress != mac)
        {
            e.HardwareAddress = mac;
            Enter(e, NeighborState.Stale, Instant.MaxValue);
        }
    }

    /// <summary>A neighbour advertisement (RFC 4861 §7.2.5); false when it matched no entry (it is then ignored).</summary>
    public bool OnAdvertisement(Instant now, IPv6Address target, MacAddress? mac, bool solicited, bool @override, bool router, INeighborHost host)
    {
        if (!_entries.TryGetValue(target, out var e))
            return false;
        e.IsRouter = router;
        if (e.State == NeighborState.Incomplete)
        {
            if (mac is not { } resolved)
                return true; // §7.2.5: without a target link-layer address it cannot resolve anything.
            e.HardwareAddress = resolved;
            if (solicited)
                Enter(e, NeighborState.Reachable, now + ReachableTime);
            else
                Enter(e, NeighborState.Stale, Instant.MaxValue);
            host.FlushNeighborQueue(now, e);
            return true;
        }
        bool differs = mac is { } m && m != e.HardwareAddress;
        if (!@override && differs)
        {
            // Not an override with a new address: a REACHABLE entry only becomes STALE, the address stays.
            if (e.State == NeighborState.Reachable)
                Enter(e, NeighborState.Stale, Instant.MaxValue);
            return true;
        }
        if (mac is { } newMac)
            e.HardwareAddress = newMac;
        if (solicited)
            Enter(e, NeighborState.Reachable, now + ReachableTime);
        else if (differs)
            Enter(e, NeighborState.Stale, Instant.MaxValue);
        return true;
    }

    /// <summary>An upper layer saw forward progress (§7.3.1, e.g. a new TCP ACK): the entry is REACHABLE again.</summary>
    public void ConfirmReachable(Instant now, IPv6Address address)
    {
        if (_entries.TryGetValue(address, out var e) && e.State != NeighborState.Incomplete)
            Enter(e, NeighborState.Reachable, now + ReachableTime);
    }

    /// <summary>Removes an entry (its queue is dropped); returns how many frames were queued.</summary>
    public int Remove(IPv6Address address)
    {
        if (!_entries.Remove(address, out var e))
            return 0;
        return e.Queue.Clear();
    }

    /// <summary>The earliest timer.</summary>
    public Instant PollAt()
    {
        var at = Instant.MaxValue;
        foreach (var e in _entries.Values)
            at = Instant.Min(at, e.Deadline);
        return at;
    }

    /// <summary>Fires due timers: retries, REACHABLE→STALE, DELAY→PROBE, and failures (§7.3.3).</summary>
    public void Poll(Instant now, INeighborHost host)
    {
        foreach (var e in _entries.Values)
        {
            if (e.Deadline > now)
                continue;
            switch (e.State)
            {
                case NeighborState.Reachable:
                    Enter(e, NeighborState.Stale, Instant.MaxValue);
                    break;
                case NeighborState.Delay when host.ConfirmedSince(e.Address, e.Deadline - DelayFirstProbeTime):
                    // §7.3.3: a reachability confirmation during DELAY returns the entry to REACHABLE without a probe;
                    // the upper layers' progress (§7.3.1) is read once, when the timer fires, not on every segment.
                    Enter(e, NeighborState.Reachable, now + ReachableTime);
                    break;
                case NeighborState.Delay:
                    Enter(e, NeighborState.Probe, now + RetransTimer);
                    e.Probes = 1;
                    host.SendNeighborSolicitation(now, e.Address, e.HardwareAddress);
                    break;
                case NeighborState.Incomplete or NeighborState.Probe when e.Probes < MaxSolicits:
                    e.Probes++;
                    e.Deadline = now + RetransTimer;
                    host.SendNeighborSolicitation(now, e.Address, e.State == NeighborState.Probe ? e.HardwareAddress : null);
                    break;
                case NeighborState.Incomplete or NeighborState.Probe:
                    // Removing the current entry while enumerating is allowed for Dictionary.
                    _entries.Remove(e.Address);
                    host.OnNeighborUnreachable(now, e.Address, e.Queue.Clear());
                    break;
            }
        }
    }

    private NeighborEntry? Create(Instant now, IPv6Address address)
    {
        if (_entries.Count >= capacity && !EvictLeastRecentlyUsed())
            return null;
        var e = new NeighborEntry(address, queueCapacity) { UsedAt = now };
        _entries.Add(address, e);
        return e;
    }

    private bool EvictLeastRecentlyUsed()
    {
        NeighborEntry? victim = null;
        foreach (var e in _entries.Values)
        {
            if (e.State != NeighborState.Incomplete && (victim is null || e.UsedAt < victim.UsedAt))
                victim = e;
        }
        if (victim is null)
            return false;
        _entries.Remove(victim.Address);
        victim.Queue.Clear();
        Volatile.Write(ref _evictions, _evictions + 1);
        return true;
    }

    private static void Enter(NeighborEntry e, NeighborState state, Instant deadline)
    {
        e.State = state;
        e.Deadline = deadline;
        if (state != NeighborState.Incomplete && state != NeighborState.Probe)
            e.Probes = 0;
    }
}
