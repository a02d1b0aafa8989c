using System.Buffers;
using Teeceepee.Links;
using Teeceepee.Stack.Ndp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// Neighbour discovery (RFC 4861), address autoconfiguration with duplicate address detection (RFC 4862,
/// stable identifiers per RFC 7217) and the MLDv2 reports that join our solicited-node groups (RFC 3810).
/// </summary>
public sealed partial class NetworkStack : INeighborHost
{
    /// <summary>RTR_SOLICITATION_INTERVAL (RFC 4861 §10).</summary>
    private static readonly TimeSpan RouterSolicitationInterval = TimeSpan.FromSeconds(4);

    /// <summary>RFC 4862 §5.5.3 (e): a valid lifetime is not cut below two hours by an unauthenticated RA.</summary>
    private static readonly TimeSpan TwoHours = TimeSpan.FromHours(2);

    /// <summary>MAX_RTR_SOLICITATION_DELAY (RFC 4861 §10).</summary>
    private static readonly TimeSpan MaxRouterSolicitationDelay = TimeSpan.FromSeconds(1);

    private static readonly IPv6Address LinkLocalPrefix = new(0xFE80_0000_0000_0000, 0);

    private Instant _nextRouterSolicitation = Instant.MaxValue;
    private int _routerSolicitationsLeft;
    private bool _solicitedFromUnspecified;
    private bool _mldReportDue;

    /// <summary>First poll: forms the link-local address, starts DAD on every address, solicits routers.</summary>
    private void StartIPv6(Instant now)
    {
        if (!IsIPv6Enabled)
            return;
        if (Medium == LinkMedium.Ethernet)
        {
            var linkLocal = StableAddress(LinkLocalPrefix, 0);
            _addresses6.Insert(0, new HostAddress(new IPv6AddressPrefix(linkLocal, 64), IPv6AddressOrigin.LinkLocal));
        }
        foreach (var a in _addresses6)
            BeginDad(now, a);
        if (Options.Slaac && Options.RouterSolicitations > 0)
        {
            // RFC 4861 §6.3.7: the first solicitation waits a random delay in [0, MAX_RTR_SOLICITATION_DELAY], so hosts that
            // start together (a power cut, a switch coming back) do not all solicit at once.
            _routerSolicitationsLeft = Options.RouterSolicitations;
            _nextRouterSolicitation = now + TimeSpan.FromTicks((long)(_random.NextDouble() * MaxRouterSolicitationDelay.Ticks));
        }
        PublishAddresses();
    }

    private void BeginDad(Instant now, HostAddress a)
    {
        // Without Ethernet there are no neighbours to collide with (a TUN's peer is the only one), and no DAD.
        if (Options.DadTransmits <= 0 || Medium != LinkMedium.Ethernet)
        {
            a.State = IPv6AddressState.Preferred;
            // RFC 4861 §7.2.1: join the address's solicited-node group all the same (an MLD-snooping switch
            // forwards solicitations for it only then).
            _mldReportDue |= Medium == LinkMedium.Ethernet;
            return;
        }
        a.State = IPv6AddressState.Tentative;
        a.DadLeft = Options.DadTransmits;
        a.DadAt = now;
        _mldReportDue = true; // §5.4.2: join the solicited-node group before the first DAD solicitation.
    }

    private Instant IPv6PollAt()
    {
        if (!IsIPv6Enabled)
            return Instant.MaxValue;
        if (_mldReportDue)
            return LastPollTime;
        var at = Instant.Min(_neighbors.PollAt(), _pathMtu.PollAt());
        at = Instant.Min(at, Instant.Min(_nextRouterSolicitation, _dnsServers6Until));
        foreach (var a in _addresses6)
        {
            if (a.Origin != IPv6AddressOrigin.Slaac)
            {
                at = Instant.Min(at, a.DadAt);
                continue;
            }
            // Only a preferred address waits to be deprecated; a deprecated one waits for its valid lifetime
            // (RFC 4862 §5.5.4) and a tentative one for DAD, which decides its state: a past preferred deadline is
            // not a timer any more.
            var preferredUntil = a.State == IPv6AddressState.Preferred ? a.PreferredUntil : Instant.MaxValue;
            at = Instant.Min(at, Instant.Min(a.DadAt, Instant.Min(a.ValidUntil, preferredUntil)));
        }
        foreach (var r in _routers6)
            at = Instant.Min(at, r.ExpiresAt);
        foreach (var p in _prefixes6)
            at = Instant.Min(at, p.ExpiresAt);
        return at;
    }

    /// <summary>IPv6 timers: MLD report, DAD steps, router solicitations, lifetimes, neighbour cache, path MTU ageing.</summary>
    private void PollIPv6(Instant now)
    {
        if (!IsIPv6Enabled)
            return;
        if (_mldReportDue)
        {
            _mldReportDue = false;
            SendMldReport(now);
        }
        bool changed = false;
        for (int i = _addresses6.Count - 1; i >= 0; i--)
        {
            var a = _addresses6[i];
            if (a.State == IPv6AddressState.Tentative && a.DadAt <= now)
            {
                if (a.DadLeft > 0)
                {
                    a.DadLeft--;
                    a.DadAt = now + _neighbors.RetransTimer;
                    SendNdp(now, NdpRepr.NeighborSolicitation(a.Address, null), IPv6Address.Unspecified, a.Address.SolicitedNode, MacAddress.Zero);
                }
                else
                {
                    // §5.4: no duplicate answered within RetransTimer after the last solicitation.
                    a.State = now >= a.PreferredUntil ? IPv6AddressState.Deprecated : IPv6AddressState.Preferred;
                    a.DadAt = Instant.MaxValue;
                    changed = true;
                    Trace($"ipv6 address {a.Prefix} {a.State.ToString().ToLowerInvariant()}");
                    if (a.Origin == IPv6AddressOrigin.LinkLocal && _routerSolicitationsLeft > 0 && _solicitedFromUnspecified)
                        _nextRouterSolicitation = now; // §6.3.7: solicit again, now with a source address a router can answer
                }
            }
            if (a.Origin != IPv6AddressOrigin.Slaac)
                continue;
            if (a.ValidUntil <= now)
            {
                _addresses6.RemoveAt(i);
                changed = true;
                Trace($"ipv6 address {a.Prefix} expired");
            }
            else if (a.State == IPv6AddressState.Preferred && a.PreferredUntil <= now)
            {
                a.State = IPv6AddressState.Deprecated;
                changed = true;
            }
        }
        if (_nextRouterSolicitation <= now)
            SendRouterSolicitation(now);
        for (int i = _routers6.Count - 1; i >= 0; i--)
        {
            if (_routers6[i].ExpiresAt <= now)
            {
                Trace($"ipv6 router {_routers6[i].Address} expired");
                _routers6.RemoveAt(i);
                UpdateGateway();
            }
        }
        for (int i = _prefixes6.Count - 1; i >= 0; i--)
        {
            if (_prefixes6[i].ExpiresAt <= now)
                _prefixes6.RemoveAt(i);
        }
        if (_dnsServers6Until <= now)
        {
            _dnsServers6 = []; // RFC 8106 §5.3.1: an expired RDNSS lifetime ends the servers' use
            _dnsServers6Until = Instant.MaxValue;
        }
        _neighbors.Poll(now, this);
        _pathMtu.Expire(now);
        if (changed)
            PublishAddresses();
    }

    private void SendRouterSolicitation(Instant now)
    {
        if (_routerSolicitationsLeft <= 0)
        {
            _nextRouterSolicitation = Instant.MaxValue;
            return;
        }
        // §4.1: from :: (then without the link-layer option) until the link-local address is ours.
        var source = _addresses6.Count > 0 && _addresses6[0].Origin == IPv6AddressOrigin.LinkLocal && _addresses6[0].IsAssigned
            ? _addresses6[0].Address : IPv6Address.Unspecified;
        _routerSolicitationsLeft--;
        _solicitedFromUnspecified = source.IsUnspecified;
        _nextRouterSolicitation = _routerSolicitationsLeft > 0 ? now + RouterSolicitationInterval : Instant.MaxValue;
        SendNdp(now, NdpRepr.RouterSolicitation(source.IsUnspecified || Medium != LinkMedium.Ethernet ? null : HardwareAddress),
            source, IPv6Address.AllRouters, IPv6Address.AllRouters.MulticastMac);
    }

    private void ProcessNdp(Instant now, ReadOnlySpan<byte> packet, in Icmpv6Packet icmp)
    {
        if (packet[IPv6Packet.Field.HopLimit] != 255)
        {
            Drop(DropReason.NdpBadHopLimit, "ndp", icmp.Type);
            return;
        }
        if (!NdpRepr.TryParse(icmp, out var ndp, out var error))
        {
            Drop((DropReason)error, "ndp");
            return;
        }
        var source = IPv6Address.Read(packet[IPv6Packet.Field.Source..]);
        var destination = IPv6Address.Read(packet[IPv6Packet.Field.Destination..]);
        switch (ndp.Type)
        {
            case Icmpv6Type.NeighborSolicitation:
                OnNeighborSolicitation(now, ndp, source, destination);
                break;
            case Icmpv6Type.NeighborAdvertisement:
                OnNeighborAdvertisement(now, ndp, destination);
                break;
            case Icmpv6Type.RouterAdvertisement:
                OnRouterAdvertisement(now, ndp, source, icmp);
                break;
            default:
                Drop(DropReason.NdpIgnored, "ndp", ndp.Type);
                break;
        }
    }

    /// <summary>RFC 4861 §7.2.3 and RFC 4862 §5.4.3: answer for our addresses, learn the sender, notice DAD collisions.</summary>
    private void OnNeighborSolicitation(Instant now, in NdpRepr ns, IPv6Address source, IPv6Address destination)
    {
        bool dad = source.IsUnspecified;
        if (dad && (!destination.IsMulticast || ns.SourceLinkLayerAddress is not null))
        {
            // §7.1.1: from :: it must go to a solicited-node group and carry no link-layer address.
            Drop(DropReason.NdpBadSource, "ndp", source);
            return;
        }
        var target = FindAddress(ns.TargetAddress);
        if (target is null)
        {
            Drop(DropReason.NdpNotOurTarget, "ndp", ns.TargetAddress);
            return;
        }
        if (target.State == IPv6AddressState.Tentative)
        {
            // §5.4.3: another node's DAD for our tentative address: it is a duplicate; an ordinary NS is not answered.
            if (dad)
                OnDuplicate(now, target, "a neighbour solicitation from ::");
            return;
        }
        if (dad)
        {
            // §7.2.4: answer a DAD probe to all-nodes, unsolicited, so the prober learns the address is taken.
            SendNdp(now, NdpRepr.NeighborAdvertisement(target.Address, HardwareAddress, solicited: false, @override: true),
                target.Address, IPv6Address.AllNodes, IPv6Address.AllNodes.MulticastMac);
            return;
        }
        if (ns.SourceLinkLayerAddress is { } sll)
            _neighbors.OnLinkLayerAddress(now, source, sll, this);
        var answer = NdpRepr.NeighborAdvertisement(target.Address, Medium == LinkMedium.Ethernet ? HardwareAddress : null, solicited: true, @override: true);
        if (ns.SourceLinkLayerAddress is { } mac)
            SendNdp(now, answer, target.Address, source, mac);
        else
            SendNdpResolved(now, answer, target.Address, source);
    }

    /// <summary>RFC 4861 §7.2.5; RFC 4862 §5.4.4: an advertisement for a tentative address means a duplicate.</summary>
    private void OnNeighborAdvertisement(Instant now, in NdpRepr na, IPv6Address destination)
    {
        if (na.Solicited && destination.IsMulticast)
        {
            Drop(DropReason.BadNdpMessage, "ndp", na.TargetAddress);
            return;
        }
        var ours = FindAddress(na.TargetAddress);
        if (ours is not null)
        {
            if (ours.State == IPv6AddressState.Tentative)
                OnDuplicate(now, ours, "a neighbour advertisement");
            else
                Drop(DropReason.DuplicateAddress, "ndp", na.TargetAddress); // someone else claims an address of ours
            return;
        }
        if (!_neighbors.OnAdvertisement(now, na.TargetAddress, na.TargetLinkLayerAddress, na.Solicited, na.Override, na.Router, this))
            Drop(DropReason.NdpNotOurTarget, "ndp", na.TargetAddress);
    }

    private void OnDuplicate(Instant now, HostAddress a, string evidence)
    {
        a.State = IPv6AddressState.Duplicate;
        a.DadAt = Instant.MaxValue;
        _counters.DuplicateAddresses++;
        Drop(DropReason.DuplicateAddress, "dad", a.Address);
        Trace($"ipv6 dad: {a.Prefix} is a duplicate ({evidence}); not used");
        if (a.Origin != IPv6AddressOrigin.Static && a.DadCounter < StableInterfaceId.IdgenRetries)
        {
            // RFC 7217 §6: a stable identifier that collides is replaced by the next one (DAD_Counter + 1), up to IDGEN_RETRIES.
            var prefix = a.Origin == IPv6AddressOrigin.LinkLocal ? LinkLocalPrefix : a.Address;
            var next = new HostAddress(new IPv6AddressPrefix(StableAddress(prefix, a.DadCounter + 1), 64), a.Origin)
            {
                DadCounter = a.DadCounter + 1,
                ValidUntil = a.ValidUntil,
                PreferredUntil = a.PreferredUntil,
            };
            _addresses6[_addresses6.IndexOf(a)] = next;
            BeginDad(now, next);
            Trace($"ipv6 dad: trying {next.Prefix} instead (RFC 7217 DAD_Counter {next.DadCounter})");
        }
        PublishAddresses();
    }

    /// <summary>Our RFC 7217 address in the /64 of <paramref name="prefix"/> after <paramref name="dadCounter"/> duplicates.</summary>
    private IPv6Address StableAddress(IPv6Address prefix, int dadCounter) => StableInterfaceId.Create(prefix, _netIface, dadCounter, _stableSecret);

    private void PublishAddresses()
    {
        var snapshot = new IPv6AddressInfo[_addresses6.Count];
        for (int i = 0; i < snapshot.Length; i++)
            snapshot[i] = _addresses6[i].ToInfo();
        _addressSnapshot = snapshot;
    }

    /// <summary>An MLDv2 report joining the solicited-node group of each of our addresses (RFC 3810 §5.2, RFC 4861 §7.2.1).</summary>
    private void SendMldReport(Instant now)
    {
        if (Medium != LinkMedium.Ethernet)
            return;
        var groups = new List<MldAddressRecord>(_addresses6.Count);
        foreach (var a in _addresses6)
        {
            var group = a.Address.SolicitedNode;
            if (a.State != IPv6AddressState.Duplicate && !groups.Exists(r => r.MulticastAddress == group))
                groups.Add(MldAddressRecord.Join(group));
        }
        if (groups.Count == 0)
            return;
        var report = new MldReportRepr([.. groups]);
        var source = _addresses6[0] is { Origin: IPv6AddressOrigin.LinkLocal, IsAssigned: true } ll ? ll.Address : IPv6Address.Unspecified;
        // §5: hop limit 1, a hop-by-hop header with Router Alert (RFC 2711), to all MLDv2-capable routers.
        int payload = IPv6HopByHopRepr.HeaderLength + report.BufferLength;
        var frame = ArrayPool<byte>.Shared.Rent(_linkHeaderLength + IPv6Repr.HeaderLength + payload);
        try
        {
            var span = frame.AsSpan(0, _linkHeaderLength + IPv6Repr.HeaderLength + payload);
            new IPv6Repr { Source = source, Destination = IPv6Address.AllMldv2Routers, NextHeader = IpProtocol.HopByHop, PayloadLength = payload, HopLimit = 1 }
                .Emit(span[_linkHeaderLength..]);
            int at = _linkHeaderLength + IPv6Repr.HeaderLength;
            new IPv6HopByHopRepr(IpProtocol.Icmpv6, IPv6HopByHopRepr.RouterAlertMld).Emit(span[at..]);
            report.Emit(span[(at + IPv6HopByHopRepr.HeaderLength)..], source, IPv6Address.AllMldv2Routers);
            new EthernetRepr(HardwareAddress, IPv6Address.AllMldv2Routers.MulticastMac, EtherType.IPv6).Emit(span);
            _counters.IPv6PacketsOut++;
            _counters.Icmpv6Out[(byte)Icmpv6Type.Mldv2Report]++;
            _counters.MldReportsOut++;
            Transmit(now, span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    /// <summary>An MLD query asks for our memberships again (RFC 3810 §6.2); reports and other traffic are not for a host.</summary>
    private void OnMld(Instant now, Icmpv6Type type)
    {
        if (type == Icmpv6Type.MulticastListenerQuery)
            _mldReportDue = true;
        else
            Drop(DropReason.MldIgnored, "mld", type);
    }

    /// <summary>Sends an NDP message in <see cref="_ndpFrame"/>, hop limit 255, to a known link-layer address (Zero: the group MAC of <paramref name="destination"/>).</summary>
    private void SendNdp(Instant now, in NdpRepr ndp, IPv6Address source, IPv6Address destination, MacAddress mac)
    {
        var span = BuildNdp(ndp, source, destination);
        if (Medium == LinkMedium.Ethernet)
        {
            new EthernetRepr(HardwareAddress, mac == MacAddress.Zero ? destination.MulticastMac : mac, EtherType.IPv6).Emit(span);
        }
        Transmit(now, span);
    }

    /// <summary>Sends an NDP message to a unicast destination through the neighbour cache.</summary>
    private void SendNdpResolved(Instant now, in NdpRepr ndp, IPv6Address source, IPv6Address destination)
    {
        var span = BuildNdp(ndp, source, destination);
        TransmitToNeighbour6(now, destination, span, LinkOffload.None);
    }

    private Span<byte> BuildNdp(in NdpRepr ndp, IPv6Address source, IPv6Address destination)
    {
        int length = ndp.BufferLength;
        var span = _ndpFrame.AsSpan(0, _linkHeaderLength + IPv6Repr.HeaderLength + length);
        new IPv6Repr { Source = source, Destination = destination, NextHeader = IpProtocol.Icmpv6, PayloadLength = length, HopLimit = 255 }
            .Emit(span[_linkHeaderLength..]);
        ndp.Emit(span[(_linkHeaderLength + IPv6Repr.HeaderLength)..], source, destination);
        _counters.IPv6PacketsOut++;
        _counters.Icmpv6Out[(byte)ndp.Type]++;
        return span;
    }

    /// <inheritdoc />
    void INeighborHost.SendNeighborSolicitation(Instant now, IPv6Address target, MacAddress? unicast) => SendNeighborSolicitation(now, target, unicast);

    private void SendNeighborSolicitation(Instant now, IPv6Address target, MacAddress? unicast)
    {
        var source = SelectSourceAddress(target);
        if (source is not { } src)
            return;
        var destination = unicast is null ? target.SolicitedNode : target;
        if (IsTracing)
            Trace($"ndp who-has {target} tell {src}");
        SendNdp(now, NdpRepr.NeighborSolicitation(target, Medium == LinkMedium.Ethernet ? HardwareAddress : null), src, destination, unicast ?? MacAddress.Zero);
    }

    /// <inheritdoc />
    void INeighborHost.OnNeighborUnreachable(Instant now, IPv6Address address, int droppedFrames)
    {
        for (int i = 0; i < droppedFrames; i++)
            Drop(DropReason.NeighborResolutionFailed, "ndp", address);
        if (IsTracing)
            Trace($"ndp {address} unreachable");
        FailPingsVia6(now, address);
    }

    /// <inheritdoc />
    bool INeighborHost.ConfirmedSince(IPv6Address neighbor, Instant since)
    {
        bool confirmed = _tcp.AnyAcceptableSegmentSince(since,
            remote => remote.IsIPv6 && TryRoute(remote.V6, out var hop) && hop == neighbor);
        if (confirmed && IsTracing)
            Trace($"ndp {neighbor} reachable: TCP progress through it (RFC 4861 §7.3.1), no probe");
        return confirmed;
    }

    /// <inheritdoc />
    void INeighborHost.FlushNeighborQueue(Instant now, NeighborEntry entry)
    {
        if (IsTracing && entry.Queue.Count > 0)
            Trace($"ndp resolved {entry.Address} is-at {entry.HardwareAddress}, sending {entry.Queue.Count} queued");
        while (entry.Queue.TryDequeue(out var pending))
        {
            var frame = pending.Buffer.AsSpan(0, pending.Length);
            entry.HardwareAddress.WriteTo(frame);
            Transmit(now, frame, pending.Offload);
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }
    }
}
