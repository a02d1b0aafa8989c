using System.Buffers.Binary;
using System.Security.Cryptography;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// TCP Fast Open cookies (RFC 7413 §4.1.2, §4.1.3): the server side makes and checks cookies, a keyed PRF of the
/// client's address under a random secret that can be rotated (the previous secret stays valid); the client side
/// caches the cookie each server gave, per destination address, and remembers destinations where a SYN with data
/// was lost (§4.1.3.1: fall back to a plain SYN for a while).
/// </summary>
/// <remarks>Not thread-safe: one event loop owns it, like the host.</remarks>
public sealed class TcpFastOpenCookies
{
    /// <summary>Cookie length: 8 octets, as Linux's.</summary>
    public const int CookieLength = 8;

    /// <summary>How long a destination whose SYN with data was lost gets plain SYNs.</summary>
    public static readonly TimeSpan FailureHoldDown = TimeSpan.FromMinutes(5);

    private const int MaxCachedDestinations = 4096;

    private (ulong K0, ulong K1) _key;
    private (ulong K0, ulong K1)? _previousKey;
    private readonly Dictionary<NetAddress, TcpFastOpenCookie> _cache = [];
    private readonly Dictionary<NetAddress, Instant> _failedUntil = [];

    /// <summary>Creates the cookie maker with a 16-byte secret.</summary>
    public TcpFastOpenCookies(ReadOnlySpan<byte> key) => _key = SipHash.ReadKey(key);

    /// <summary>A cookie maker with a random secret.</summary>
    public static TcpFastOpenCookies CreateRandom()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        return new TcpFastOpenCookies(key);
    }

    /// <summary>Cookies in the client cache.</summary>
    public int CachedCount => _cache.Count;

    /// <summary>Client: every cached cookie by server address (a copy; to keep the cache across runs).</summary>
    public KeyValuePair<NetAddress, TcpFastOpenCookie>[] CachedCookies() => [.. _cache];

    /// <summary>Replaces the secret (RFC 7413 §4.1.2: "periodically"); cookies made with the previous one stay valid until the next rotation.</summary>
    public void Rotate(ReadOnlySpan<byte> newKey)
    {
        _previousKey = _key;
        _key = SipHash.ReadKey(newKey);
    }

    /// <summary>Server: the cookie for <paramref name="client"/> (RFC 7413 §4.1.2: a MAC of the client IP under the server secret).</summary>
    public TcpFastOpenCookie Make(NetAddress client) => Make(_key, client);

    /// <summary>Server: true when <paramref name="cookie"/> is the one this server gives <paramref name="client"/> (current or previous secret).</summary>
    public bool IsValid(NetAddress client, TcpFastOpenCookie cookie) =>
        cookie.Length == CookieLength && (Make(_key, client) == cookie || (_previousKey is { } old && Make(old, client) == cookie));

    /// <summary>Client: the cookie cached for <paramref name="server"/>, unless none or the destination is held down after a loss.</summary>
    public bool TryGet(Instant now, NetAddress server, out TcpFastOpenCookie cookie)
    {
        if (_failedUntil.TryGetValue(server, out var until))
        {
            if (now < until)
            {
                cookie = default;
                return false;
            }
            _failedUntil.Remove(server);
        }
        return _cache.TryGetValue(server, out cookie);
    }

    /// <summary>True while <paramref name="server"/> is held down after a SYN with data was lost: no TFO option at all.</summary>
    public bool IsHeldDown(Instant now, NetAddress server) => _failedUntil.TryGetValue(server, out var until) && now < until;

    /// <summary>Client: remembers the cookie a SYN-ACK carried (RFC 7413 §4.1.3).</summary>
    public void Store(NetAddress server, TcpFastOpenCookie cookie)
    {
        if (cookie.IsRequest)
            return;
        if (_cache.Count >= MaxCachedDestinations && !_cache.ContainsKey(server))
            _cache.Clear(); // bounded: start over rather than grow
        _cache[server] = cookie;
    }

    /// <summary>Client: a SYN with data to <paramref name="server"/> went unanswered; plain SYNs for <see cref="FailureHoldDown"/> (RFC 7413 §4.1.3.1).</summary>
    public void OnSynDataLost(Instant now, NetAddress server)
    {
        if (_failedUntil.Count >= MaxCachedDestinations)
            _failedUntil.Clear();
        _failedUntil[server] = now + FailureHoldDown;
    }

    private static TcpFastOpenCookie Make((ulong K0, ulong K1) key, NetAddress client)
    {
        Span<byte> message = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(message, client.High);
        BinaryPrimitives.WriteUInt64BigEndian(message[8..], client.Low);
        Span<byte> mac = stackalloc byte[CookieLength];
        BinaryPrimitives.WriteUInt64BigEndian(mac, SipHash.Hash(key.K0, key.K1, message));
        TcpFastOpenCookie.TryCreate(mac, out var cookie);
        return cookie;
    }
}
