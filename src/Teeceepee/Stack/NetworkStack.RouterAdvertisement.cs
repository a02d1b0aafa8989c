using Teeceepee.Stack.Ndp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>Router advertisements (RFC 4861 §6.3.4): default routers, on-link prefixes, SLAAC addresses (RFC 4862 §5.5.3), RDNSS (RFC 8106).</summary>
public sealed partial class NetworkStack
{
    /// <summary>RFC 4861 §6.3.4 (routers, MTU, hop limit, timers, prefixes), RFC 4862 §5.5.3 (SLAAC), RFC 8106 (RDNSS).</summary>
    private void OnRouterAdvertisement(Instant now, in NdpRepr ra, IPv6Address source, in Icmpv6Packet icmp)
    {
        if (!source.IsLinkLocal)
        {
            Drop(DropReason.NdpBadSource, "ndp", source); // §6.1.2
            return;
        }
        _routerSolicitationsLeft = 0;
        _nextRouterSolicitation = Instant.MaxValue;
        if (ra.SourceLinkLayerAddress is { } sll)
            _neighbors.OnLinkLayerAddress(now, source, sll, this, isRouter: true);
        if (ra.CurrentHopLimit != 0)
            _hopLimit6 = ra.CurrentHopLimit;
        if (ra.ReachableTime != 0 && ra.ReachableTime <= 3_600_000)
            _neighbors.ReachableTime = TimeSpan.FromMilliseconds(ra.ReachableTime);
        if (ra.RetransTimer != 0)
            _neighbors.RetransTimer = TimeSpan.FromMilliseconds(ra.RetransTimer);
        if (ra.Mtu is { } mtu && mtu >= PathMtuCache.MinimumMtu && mtu <= Mtu)
            _linkMtu6 = (int)mtu;

        var router = _routers6.Find(r => r.Address == source);
        if (ra.RouterLifetime == 0)
        {
            if (router is not null)
                _routers6.Remove(router);
        }
        else
        {
            if (router is null)
            {
                router = new DefaultRouter(source);
                _routers6.Add(router);
                Trace($"ipv6 router {source} lifetime {ra.RouterLifetime}s");
            }
            router.ExpiresAt = now + TimeSpan.FromSeconds(ra.RouterLifetime);
        }
        UpdateGateway();

        if (NdpRepr.TryGetOptions(icmp, out var options, out _))
        {
            var servers = new List<IPv6Address>(2);
            var rdnssUntil = Instant.MaxValue;
            bool rdnssWithdrawn = false;
            foreach (var option in options)
            {
                if (option.Type == NdpOptionType.PrefixInformation)
                    OnPrefix(now, option.PrefixInformation);
                else if (option.Type == NdpOptionType.RecursiveDnsServer)
                {
                    // RFC 8106 §5.1: lifetime 0 withdraws the servers; they are used until their lifetime ends (§5.3.1).
                    if (option.RdnssLifetime == 0)
                    {
                        rdnssWithdrawn = true;
                        continue;
                    }
                    for (int i = 0; i < option.RdnssCount; i++)
                        servers.Add(option.GetRdnssServer(i));
                    rdnssUntil = Instant.Min(rdnssUntil, Lifetime(now, option.RdnssLifetime));
                }
            }
            if (servers.Count > 0)
            {
                _dnsServers6 = [.. servers];
                _dnsServers6Until = rdnssUntil;
                if (IsTracing)
                    Trace($"ipv6 rdnss {string.Join(' ', servers)} from {source}");
            }
            else if (rdnssWithdrawn && _dnsServers6.Length > 0)
            {
                _dnsServers6 = [];
                _dnsServers6Until = Instant.MaxValue;
            }
        }
    }

    private void OnPrefix(Instant now, in NdpPrefixInformation pi)
    {
        var prefix = new IPv6AddressPrefix(pi.Prefix.Prefix(pi.PrefixLength), pi.PrefixLength);
        if (pi.Prefix.IsLinkLocal || pi.PreferredLifetime > pi.ValidLifetime)
            return; // RFC 4862 §5.5.3 (b), (c)
        if (pi.OnLink)
        {
            var known = _prefixes6.Find(p => p.Prefix == prefix);
            if (pi.ValidLifetime == 0)
            {
                if (known is not null)
                    _prefixes6.Remove(known);
            }
            else
            {
                if (known is null)
                    _prefixes6.Add(known = new OnLinkPrefix(prefix));
                known.ExpiresAt = Lifetime(now, pi.ValidLifetime);
            }
        }
        if (!pi.Autonomous || !Options.Slaac)
            return;
        if (pi.PrefixLength != 64)
        {
            Trace($"ipv6 slaac: prefix {prefix} is not a /64; ignored"); // §5.5.3 (d) with Ethernet's 64-bit identifiers
            return;
        }
        HostAddress? existing = null;
        foreach (var a in _addresses6)
        {
            if (a.Origin == IPv6AddressOrigin.Slaac && a.Address.IsInSameSubnet(prefix.Address, 64))
                existing = a;
        }
        var preferredUntil = Lifetime(now, pi.PreferredLifetime);
        if (existing is null)
        {
            if (pi.ValidLifetime == 0)
                return;
            var address = StableAddress(prefix.Address, 0);
            var created = new HostAddress(new IPv6AddressPrefix(address, 64), IPv6AddressOrigin.Slaac)
            {
                ValidUntil = Lifetime(now, pi.ValidLifetime),
                PreferredUntil = preferredUntil,
            };
            _addresses6.Add(created);
            BeginDad(now, created);
            Trace($"ipv6 slaac: {created.Prefix} from prefix {prefix}");
            PublishAddresses();
            return;
        }
        // §5.5.3 (e): the two-hour rule keeps a forged RA from expiring the address at once.
        var validUntil = Lifetime(now, pi.ValidLifetime);
        var remaining = existing.ValidUntil == Instant.MaxValue ? TimeSpan.MaxValue : existing.ValidUntil - now;
        if (pi.ValidLifetime == NdpPrefixInformation.Infinite || TimeSpan.FromSeconds(pi.ValidLifetime) > TwoHours || validUntil > existing.ValidUntil)
            existing.ValidUntil = validUntil;
        else if (remaining > TwoHours)
            existing.ValidUntil = now + TwoHours;
        existing.PreferredUntil = preferredUntil;
        if (existing.State == IPv6AddressState.Deprecated && preferredUntil > now)
            existing.State = IPv6AddressState.Preferred;
        PublishAddresses();
    }

    private static Instant Lifetime(Instant now, uint seconds) =>
        seconds == NdpPrefixInformation.Infinite ? Instant.MaxValue : now + TimeSpan.FromSeconds(seconds);

    private void UpdateGateway() => IPv6Gateway = Options.IPv6Gateway ?? (_routers6.Count > 0 ? _routers6[0].Address : null);
}
