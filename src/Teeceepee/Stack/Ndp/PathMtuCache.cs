using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>
/// Path MTUs learned from packet too big messages (RFC 8201), per destination, bounded and aged:
/// an entry older than the age limit is forgotten and the link MTU is tried again (§4).
/// </summary>
internal sealed class PathMtuCache(int capacity, TimeSpan age)
{
    /// <summary>The IPv6 minimum link MTU (RFC 8200 §5): no path is smaller.</summary>
    public const int MinimumMtu = 1280;

    private readonly Dictionary<IPv6Address, (int Mtu, Instant ExpiresAt)> _entries = [];

    /// <summary>Destinations held.</summary>
    public int Count => _entries.Count;

    /// <summary>The MTU towards <paramref name="destination"/>: a learned one while fresh, else <paramref name="linkMtu"/>.</summary>
    public int Get(Instant now, IPv6Address destination, int linkMtu)
    {
        if (_entries.Count == 0 || !_entries.TryGetValue(destination, out var e))
            return linkMtu;
        if (e.ExpiresAt <= now)
        {
            _entries.Remove(destination);
            return linkMtu;
        }
        return Math.Min(e.Mtu, linkMtu);
    }

    /// <summary>
    /// A packet too big reported <paramref name="mtu"/> towards <paramref name="destination"/>; values under 1280 count as 1280
    /// (§4, RFC 8200 §5). Returns the new path MTU when it went down, else null (an increase is ignored, §4).
    /// </summary>
    public int? Lower(Instant now, IPv6Address destination, uint mtu, int linkMtu)
    {
        int value = (int)Math.Clamp(mtu, MinimumMtu, (uint)linkMtu);
        int current = Get(now, destination, linkMtu);
        if (value >= current)
            return null;
        if (!_entries.ContainsKey(destination) && _entries.Count >= capacity)
            EvictOne(now);
        _entries[destination] = (value, now + age);
        return value;
    }

    /// <summary>When the next entry ages out.</summary>
    public Instant PollAt()
    {
        var at = Instant.MaxValue;
        foreach (var e in _entries.Values)
            at = Instant.Min(at, e.ExpiresAt);
        return at;
    }

    /// <summary>Forgets aged entries.</summary>
    public void Expire(Instant now)
    {
        foreach (var (destination, e) in _entries)
        {
            if (e.ExpiresAt <= now)
                _entries.Remove(destination);
        }
    }

    private void EvictOne(Instant now)
    {
        IPv6Address? oldest = null;
        var at = Instant.MaxValue;
        foreach (var (destination, e) in _entries)
        {
            if (e.ExpiresAt < at)
            {
                at = e.ExpiresAt;
                oldest = destination;
            }
        }
        if (oldest is { } victim)
            _entries.Remove(victim);
    }
}
