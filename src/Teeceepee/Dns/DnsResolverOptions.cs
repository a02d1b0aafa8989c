using System.Net;

namespace Teeceepee.Dns;

/// <summary>How a <see cref="DnsResolver"/> asks: its servers, patience and cache.</summary>
public sealed record DnsResolverOptions
{
    /// <summary>
    /// Name servers (IPv4 or IPv6, such as RDNSS servers from router advertisements, RFC 8106), asked in order;
    /// may be replaced later with <see cref="DnsResolver.Servers"/>.
    /// </summary>
    public IReadOnlyList<IPAddress> Servers { get; init; } = [];

    /// <summary>
    /// While <see cref="Servers"/> is empty, ask the recursive DNS servers the stack learned from router advertisements
    /// (RDNSS, RFC 8106); on by default.
    /// </summary>
    public bool UseRouterAdvertisedServers { get; init; } = true;

    /// <summary>How long to wait for one server's answer before asking the next (glibc: 5 s; we default lower).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Rounds over the server list before giving up (glibc's "attempts", default 2).</summary>
    public int Attempts { get; init; } = 2;

    /// <summary>CNAME records followed for one lookup at most.</summary>
    public int MaxCnameChain { get; init; } = 8;

    /// <summary>Names the cache holds; 0 turns caching off.</summary>
    public int CacheCapacity { get; init; } = 512;

    /// <summary>Upper bound on how long an answer is cached, whatever its TTL says.</summary>
    public TimeSpan MaxCacheTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Retry over TCP when a UDP answer is truncated (RFC 1035 §4.2.1, RFC 7766 §5).</summary>
    public bool UseTcpOnTruncation { get; init; } = true;

    /// <summary>A hosts-file-like table consulted before DNS (names compare case-insensitively).</summary>
    public IReadOnlyDictionary<string, IPAddress>? Hosts { get; init; }

    /// <summary>
    /// Whether a lookup for any family asks AAAA as well as A (RFC 3596). Null: only when the host has a source
    /// address for IPv6 destinations (like getaddrinfo's AI_ADDRCONFIG, RFC 3493 §6.1).
    /// </summary>
    public bool? QueryIPv6 { get; init; }

    /// <summary>
    /// The source address the host would use to reach a destination, or null when it has none; feeds the
    /// destination ordering of RFC 6724 §6. Null: the stack's own addresses.
    /// </summary>
    public Func<IPAddress, IPAddress?>? SourceAddressSelector { get; init; }

    /// <summary>The clock for timeouts and cache expiry.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
