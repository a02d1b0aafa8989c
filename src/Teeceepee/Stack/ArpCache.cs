using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// The neighbour table (RFC 826, RFC 1122 §2.3.2): IPv4 to MAC mappings with expiry and refresh,
/// resolution with a bounded number of retries, and a bounded per-neighbour queue of frames waiting
/// for resolution (RFC 1122 §2.3.2.2: SHOULD save at least one). Pure: time is passed in and
/// requests go out through <see cref="IArpHost"/>.
/// </summary>
internal sealed class ArpCache
{
    private readonly Dictionary<IPv4Address, ArpEntry> _entries;
    private readonly Stack<ArpEntry> _free;
    private readonly int _maxRequests;
    private readonly TimeSpan _retryInterval;
    private readonly TimeSpan _reachableTime;
    private readonly TimeSpan _refreshBefore;

    /// <summary>Creates a cache of <paramref name="capacity"/> neighbours.</summary>
    public ArpCache(int capacity, int queueCapacity, int maxRequests, TimeSpan retryInterval, TimeSpan reachableTime, TimeSpan refreshBefore)
    {
        _entries = new Dictionary<IPv4Address, ArpEntry>(capacity);
        _free = new Stack<ArpEntry>(capacity);
        for (int i = 0; i < capacity; i++)
            _free.Push(new ArpEntry(queueCapacity));
        _maxRequests = maxRequests;
        _retryInterval = retryInterval;
        _reachableTime = reachableTime;
        _refreshBefore = refreshBefore;
    }

    /// <summary>Neighbours tracked (resolved or not).</summary>
    public int Count => _entries.Count;

    /// <summary>The entry for <paramref name="address"/>, if any.</summary>
    public ArpEntry? Find(IPv4Address address) => _entries.GetValueOrDefault(address);

    /// <summary>
    /// Looks up a fresh mapping. A hit that is about to expire starts a unicast refresh (the mapping
    /// stays usable meanwhile), so a busy neighbour never goes through a resolution stall.
    /// </summary>
    public bool TryLookup(Instant now, IPv4Address address, IArpHost host, out MacAddress mac)
    {
        mac = default;
        if (!_entries.TryGetValue(address, out var e) || e.State != ArpState.Reachable || now >= e.ExpiresAt)
            return false;
        mac = e.HardwareAddress;
        if (!e.Refreshing && now >= e.ExpiresAt - _refreshBefore)
        {
            e.Refreshing = true;
            e.RequestsSent = 1;
            e.NextRequestAt = now + _retryInterval;
            host.SendArpRequest(now, address, e.HardwareAddress);
        }
        return true;
    }

    /// <summary>
    /// Starts (or continues) resolving <paramref name="address"/> and returns the entry whose queue
    /// the caller's frame should wait in; null when the table is full of unresolved neighbours.
    /// </summary>
    public ArpEntry? BeginResolve(Instant now, IPv4Address address, IArpHost host)
    {
        if (_entries.TryGetValue(address, out var e))
        {
            if (e.State == ArpState.Incomplete)
                return e;
            // An expired mapping: resolve afresh (RFC 1122 §2.3.2.1 leaves the method open).
        }
        else
        {
            e = Allocate();
            if (e is null)
                return null;
            e.Address = address;
            _entries[address] = e;
        }
        e.State = ArpState.Incomplete;
        e.Refreshing = false;
        e.RequestsSent = 1;
        e.NextRequestAt = now + _retryInterval;
        e.UpdatedAt = now;
        host.SendArpRequest(now, address, MacAddress.Broadcast);
        return e;
    }

    /// <summary>
    /// Records <paramref name="address"/> at <paramref name="mac"/>. With <paramref name="create"/>
    /// false only an existing entry is updated (RFC 826's merge step for packets not aimed at us).
    /// Returns the entry if it exists now, so the caller can flush its queue.
    /// </summary>
    public ArpEntry? Update(Instant now, IPv4Address address, MacAddress mac, bool create)
    {
        if (!_entries.TryGetValue(address, out var e))
        {
            if (!create)
                return null;
            e = Allocate();
            if (e is null)
                return null;
            e.Address = address;
            _entries[address] = e;
        }
        e.HardwareAddress = mac;
        e.State = ArpState.Reachable;
        e.ExpiresAt = now + _reachableTime;
        e.UpdatedAt = now;
        e.Refreshing = false;
        e.RequestsSent = 0;
        e.NextRequestAt = Instant.MaxValue;
        return e;
    }

    /// <summary>The next retry or expiry, or <see cref="Instant.MaxValue"/>.</summary>
    public Instant PollAt()
    {
        var at = Instant.MaxValue;
        foreach (var e in _entries.Values)
        {
            at = Instant.Min(at, e.NextRequestAt);
            if (e.State == ArpState.Reachable)
                at = Instant.Min(at, e.ExpiresAt);
        }
        return at;
    }

    /// <summary>Fires due retries, gives up on silent neighbours and forgets expired mappings.</summary>
    public void Poll(Instant now, IArpHost host)
    {
        ArpEntry? remove = null;
        foreach (var e in _entries.Values)
        {
            if (e.State == ArpState.Reachable && now >= e.ExpiresAt)
            {
                remove = e;
                continue;
            }
            if (now < e.NextRequestAt)
                continue;
            if (e.RequestsSent < _maxRequests)
            {
                e.RequestsSent++;
                e.NextRequestAt = now + _retryInterval;
                // A refresh asks the known station directly first, then everyone.
                host.SendArpRequest(now, e.Address, e.Refreshing && e.RequestsSent == 2 ? e.HardwareAddress : MacAddress.Broadcast);
            }
            else if (e.State == ArpState.Incomplete)
            {
                remove = e;
            }
            else
            {
                e.NextRequestAt = Instant.MaxValue; // refresh unanswered: the mapping lapses at ExpiresAt
            }
        }
        if (remove is not null)
        {
            // One removal per pass keeps enumeration valid; the caller polls again at PollAt() == now.
            _entries.Remove(remove.Address);
            int dropped = remove.ClearQueue();
            if (remove.State == ArpState.Incomplete)
                host.OnResolutionFailed(now, remove.Address, dropped);
            _free.Push(remove);
            Poll(now, host);
        }
    }

    private ArpEntry? Allocate()
    {
        if (_free.Count > 0)
            return Reset(_free.Pop());
        // Evict the stalest resolved neighbour; unresolved ones hold waiting frames and stay.
        ArpEntry? victim = null;
        foreach (var e in _entries.Values)
        {
            if (e.State == ArpState.Reachable && (victim is null || e.UpdatedAt < victim.UpdatedAt))
                victim = e;
        }
        if (victim is null)
            return null;
        _entries.Remove(victim.Address);
        return Reset(victim);
    }

    private static ArpEntry Reset(ArpEntry e)
    {
        e.ClearQueue();
        e.State = ArpState.Incomplete;
        e.Refreshing = false;
        e.RequestsSent = 0;
        e.NextRequestAt = Instant.MaxValue;
        e.HardwareAddress = default;
        return e;
    }
}
