using System.Net;
using Teeceepee.Wire;

namespace Teeceepee.Dns;

/// <summary>
/// Destination address selection (RFC 6724 §6) with the default policy table (§2.1): orders the addresses
/// of a name so that a connection tries the most suitable first. The rules that apply to a host that knows
/// only which source address it would use for each destination: 1 (avoid unusable destinations), 2 (prefer
/// matching scope), 5 (prefer matching label), 6 (prefer higher precedence), 8 (prefer smaller scope),
/// 9 (longest matching prefix, within one family) and 10 (otherwise keep the order). Rules 3, 4 and 7
/// (deprecated, home and native-transport addresses) need state the stack does not keep.
/// </summary>
public static class DestinationAddressSelection
{
    // RFC 6724 §2.1: prefix, length, precedence, label; longest prefix first so the first match wins.
    private static readonly PolicyEntry[] s_policy =
    [
        new(new NetAddress(0, 1), 128, 50, 0),                          // ::1/128
        new(new NetAddress(0, 0xFFFF_0000_0000UL), 96, 35, 4),           // ::ffff:0:0/96 (IPv4)
        new(new NetAddress(0, 0), 96, 1, 3),                            // ::/96 (IPv4-compatible, deprecated)
        new(new NetAddress(0x2001_0000_0000_0000UL, 0), 32, 5, 5),      // 2001::/32 (Teredo)
        new(new NetAddress(0x2002_0000_0000_0000UL, 0), 16, 30, 2),     // 2002::/16 (6to4)
        new(new NetAddress(0x3FFE_0000_0000_0000UL, 0), 16, 1, 12),     // 3ffe::/16 (6bone)
        new(new NetAddress(0xFEC0_0000_0000_0000UL, 0), 10, 1, 11),     // fec0::/10 (site-local, deprecated)
        new(new NetAddress(0xFC00_0000_0000_0000UL, 0), 7, 3, 13),      // fc00::/7 (ULA)
        new(new NetAddress(0, 0), 0, 40, 1),                            // ::/0
    ];

    /// <summary>Scope values (RFC 4291 §2.7, RFC 6724 §3.1).</summary>
    private const int ScopeLinkLocal = 0x2, ScopeSiteLocal = 0x5, ScopeGlobal = 0xE;

    /// <summary>
    /// <paramref name="destinations"/> in the order to try them. <paramref name="sourceFor"/> gives the source
    /// address the host would use for a destination, or null when it has none (the destination is unusable).
    /// The sort is stable: equal candidates keep their order (rule 10).
    /// </summary>
    public static IPAddress[] Sort(IReadOnlyList<IPAddress> destinations, Func<IPAddress, IPAddress?> sourceFor)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        ArgumentNullException.ThrowIfNull(sourceFor);
        var candidates = new Candidate[destinations.Count];
        for (int i = 0; i < candidates.Length; i++)
        {
            var destination = destinations[i];
            var source = sourceFor(destination);
            candidates[i] = new Candidate(destination, NetAddress.FromIPAddress(destination),
                source is null ? null : NetAddress.FromIPAddress(source), i);
        }
        Array.Sort(candidates, Compare);
        var sorted = new IPAddress[candidates.Length];
        for (int i = 0; i < sorted.Length; i++)
            sorted[i] = candidates[i].Original;
        return sorted;
    }

    /// <summary>Negative when <paramref name="a"/> is preferred (RFC 6724 §6, in rule order).</summary>
    private static int Compare(Candidate a, Candidate b)
    {
        // Rule 1: avoid unusable destinations.
        if (a.Source is null != b.Source is null)
            return a.Source is null ? 1 : -1;
        if (a.Source is { } sa && b.Source is { } sb)
        {
            // Rule 2: prefer matching scope.
            bool aScope = Scope(a.Address) == Scope(sa), bScope = Scope(b.Address) == Scope(sb);
            if (aScope != bScope)
                return aScope ? -1 : 1;
            // Rule 5: prefer matching label.
            bool aLabel = Policy(a.Address).Label == Policy(sa).Label, bLabel = Policy(b.Address).Label == Policy(sb).Label;
            if (aLabel != bLabel)
                return aLabel ? -1 : 1;
        }
        // Rule 6: prefer higher precedence.
        int precedence = Policy(b.Address).Precedence.CompareTo(Policy(a.Address).Precedence);
        if (precedence != 0)
            return precedence;
        // Rule 8: prefer smaller scope.
        int scope = Scope(a.Address).CompareTo(Scope(b.Address));
        if (scope != 0)
            return scope;
        // Rule 9: longest matching prefix with the source, for two destinations of one family.
        if (a.Address.IsIPv4 == b.Address.IsIPv4 && a.Source is { } pa && b.Source is { } pb)
        {
            int prefix = CommonPrefixLength(b.Address, pb).CompareTo(CommonPrefixLength(a.Address, pa));
            if (prefix != 0)
                return prefix;
        }
        // Rule 10: leave the order unchanged.
        return a.Index.CompareTo(b.Index);
    }

    /// <summary>The scope of an address (RFC 6724 §3.1 for IPv6, §3.2 for IPv4 seen as mapped).</summary>
    internal static int Scope(NetAddress address)
    {
        if (address.IsIPv4)
        {
            // 127/8 and 169.254/16 are link-local in scope; every other IPv4 address is global.
            uint v4 = address.V4.Value;
            return (v4 >> 24) == 127 || (v4 >> 16) == 0xA9FE ? ScopeLinkLocal : ScopeGlobal;
        }
        var v6 = address.V6;
        if (v6.IsMulticast)
            return (int)((v6.High >> 48) & 0xF);
        if (v6.IsLinkLocal || v6.IsLoopback)
            return ScopeLinkLocal;
        if ((v6.High >> 54) == (0xFEC0UL >> 6))
            return ScopeSiteLocal;
        return ScopeGlobal;
    }

    /// <summary>The policy table entry that matches <paramref name="address"/> longest.</summary>
    internal static (int Precedence, int Label) Policy(NetAddress address)
    {
        foreach (var entry in s_policy)
        {
            if (CommonPrefixLength(address, entry.Prefix) >= entry.Length)
                return (entry.Precedence, entry.Label);
        }
        return (40, 1);
    }

    /// <summary>Leading bits two addresses share, over all 128 (RFC 6724 §2.2 CommonPrefixLen).</summary>
    internal static int CommonPrefixLength(NetAddress a, NetAddress b)
    {
        ulong high = a.High ^ b.High;
        if (high != 0)
            return System.Numerics.BitOperations.LeadingZeroCount(high);
        ulong low = a.Low ^ b.Low;
        return low == 0 ? 128 : 64 + System.Numerics.BitOperations.LeadingZeroCount(low);
    }

    private readonly record struct PolicyEntry(NetAddress Prefix, int Length, int Precedence, int Label);

    private readonly record struct Candidate(IPAddress Original, NetAddress Address, NetAddress? Source, int Index);
}
