using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>
/// Path MTUs learned per destination, bounded and aged: from IPv6 packet too big messages (RFC 8201) and from IPv4
/// fragmentation needed (RFC 1191), one instance per family. An entry older than the age limit (10 minutes by default,
/// RFC 1191 §6.3, RFC 8201 §4) is forgotten and the link MTU is tried again.
/// </summary>
internal sealed class PathMtuCache(int capacity, TimeSpan age, int minimumMtu = PathMtuCache.MinimumMtu)
{
    /// <summary>The IPv6 minimum link MTU (RFC 8200 §5): no path is smaller.</summary>
    public const int MinimumMtu = 1280;

    /// <summary>The IPv4 minimum (RFC 791 §3.2: every module forwards 68 octets unfragmented).</summary>
    public const int MinimumMtuIPv4 = 68;

    private readonly Dictionary<NetAddress, (int Mtu, Instant ExpiresAt)> _entries = [];

    /// <summary>Destinations held.</summary>
    public int Count => _entries.Count;

    /// <summary>The MTU towards <paramref name="destination"/>: a learned one while fresh, else <paramref name="linkMtu"/>.</summary>
    public int Get(Instant now, NetAddress destination, int linkMtu)
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
    /// A packet too big (or fragmentation needed) reported <paramref name="mtu"/> towards <paramref name="destination"/>;
    /// values under the family's minimum count as the minimum (RFC 8201 §4, RFC 8200 §5; RFC 1191 §3). Returns the new
    /// path MTU when it went down, else null (an increase is ignored, RFC 8201 §4, RFC 1191 §3).
    /// </summary>
    public int? Lower(Instant now, NetAddress destination, uint mtu, int linkMtu)
    {
        int value = (int)Math.Clamp(mtu, (uint)minimumMtu, (uint)Math.Max(linkMtu, minimumMtu));
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
        NetAddress? oldest = null;
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
