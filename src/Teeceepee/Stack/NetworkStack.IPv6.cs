using System.Buffers;
using Teeceepee.Links;
using Teeceepee.Stack.Ndp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// The IPv6 host (RFC 8200): ingress with the extension-header walk, fragment reassembly (RFC 5722: no overlaps;
/// RFC 6946: atomic fragments) and demultiplexing; egress with source selection, routing, path MTU and fragmentation
/// of what we originate. Neighbour discovery is in NetworkStack.Ndp.cs, ICMPv6 in NetworkStack.Icmpv6.cs.
/// </summary>
public sealed partial class NetworkStack
{
    /// <summary>Largest payload of one IPv6 packet we originate (no jumbograms).</summary>
    internal const int MaxIPv6Payload = 65535;

    private readonly List<HostAddress> _addresses6 = new(4);
    private readonly List<DefaultRouter> _routers6 = new(2);
    private readonly List<OnLinkPrefix> _prefixes6 = new(2);
    private NeighborCache _neighbors = null!;
    private PathMtuCache _pathMtu = null!;
    private TokenBucket _icmpv6Errors;
    private byte[] _stableSecret = [];
    private byte[] _netIface = []; // RFC 7217 Net_Iface: the interface name, else the MAC
    private byte[] _reassembled6 = [];
    private byte[] _ndpFrame = [];
    private volatile IPv6AddressInfo[] _addressSnapshot = [];
    private volatile IPv6Address[] _dnsServers6 = [];
    private Instant _dnsServers6Until = Instant.MaxValue;
    private byte _hopLimit6 = IPv6Repr.DefaultHopLimit;
    private int _linkMtu6;

    /// <summary>True when the stack speaks IPv6 (<see cref="NetworkStackOptions.IPv6"/> or any IPv6 setting).</summary>
    public bool IsIPv6Enabled { get; private set; }

    /// <summary>Our IPv6 addresses now, link-local first (any thread; a snapshot).</summary>
    public IReadOnlyList<IPv6AddressInfo> IPv6Addresses => _addressSnapshot;

    /// <summary>The IPv6 default router in use: the configured gateway, else the first router learned from an RA.</summary>
    public IPv6Address? IPv6Gateway { get; private set; }

    /// <summary>Recursive DNS servers learned from router advertisements (RFC 8106), for the resolver.</summary>
    public IReadOnlyList<IPv6Address> IPv6DnsServers => _dnsServers6;

    /// <summary>The MTU IPv6 uses on this link (an RA's MTU option may lower it, RFC 4861 §6.3.4).</summary>
    public int IPv6Mtu => _linkMtu6;

    /// <summary>Where transports build an IPv6 payload before <see cref="SendIPv6"/>; room for <see cref="MaxIPv6Payload"/> octets.</summary>
    internal Span<byte> IPv6PayloadBuffer => _tx.AsSpan(_linkHeaderLength + IPv6Repr.HeaderLength, MaxIPv6Payload);

    /// <summary>Neighbour cache entries (loop thread; tests and diagnostics).</summary>
    internal int NeighborCount => _neighbors.Count;

    /// <summary>The neighbour cache (loop thread; tests).</summary>
    internal NeighborCache Neighbors => _neighbors;

    private void CreateIPv6(NetworkStackOptions options)
    {
        IsIPv6Enabled = options.IPv6 || options.IPv6Addresses.Count > 0 || options.Slaac || options.IPv6Gateway is not null;
        if (!IsIPv6Enabled)
            return;
        if (Mtu < PathMtuCache.MinimumMtu)
            throw new ArgumentException($"MTU {Mtu} is below the IPv6 minimum of 1280 (RFC 8200 §5).", nameof(options));
        _linkMtu6 = Mtu;
        _neighbors = new NeighborCache(options.NeighborCacheCapacity, options.NeighborQueueCapacity);
        _pathMtu = new PathMtuCache(options.PathMtuCacheCapacity, options.PathMtuAge);
        _icmpv6Errors = new TokenBucket(options.IcmpErrorsPerSecond, options.IcmpErrorBurst);
        // RFC 7217 §5: a secret that stays the same across starts (the host's, HostStableSecret) and the interface's name.
        _stableSecret = options.StableSecret ?? new byte[16];
        if (options.StableSecret is null)
        {
            _random.NextBytes(_stableSecret); // drawn either way, so a seeded stack's other random choices do not move
            if (HostStableSecret.Value is { } hostSecret)
                _stableSecret = hostSecret;
            else
                Trace("ipv6: no machine ID (/etc/machine-id): stable addresses use a random key and change with every start");
        }
        _netIface = _link.Capabilities.InterfaceName is { } name ? System.Text.Encoding.UTF8.GetBytes(name) : new byte[6];
        if (_link.Capabilities.InterfaceName is null)
            HardwareAddress.WriteTo(_netIface);
        _reassembled6 = new byte[IPv6Repr.HeaderLength + 65535 + 1024];
        _ndpFrame = new byte[_linkHeaderLength + IPv6Repr.HeaderLength + 8 + 256];
        IPv6Gateway = options.IPv6Gateway;
        foreach (var a in options.IPv6Addresses)
            _addresses6.Add(new HostAddress(a, IPv6AddressOrigin.Static));
        // Visible (tentative) from construction, not only after the loop's first poll: callers that
        // check an address right after Start() (the Kestrel transport's endpoint mapping) must not race it.
        PublishAddresses();
    }

    private void ProcessIPv6(Instant now, ReadOnlySpan<byte> buffer)
    {
        if (!IsIPv6Enabled)
        {
            Drop(DropReason.IPv6Disabled, "ipv6");
            return;
        }
        if (!IPv6Packet.TryParse(buffer, out var packet, out var error))
        {
            Drop((DropReason)error, "ipv6");
            return;
        }
        _counters.IPv6PacketsIn++;
        var destination = packet.Destination;
        var source = packet.Source;
        if (source.IsMulticast)
        {
            Drop(DropReason.BadSourceAddress, "ipv6", source);
            return;
        }
        bool multicast = destination.IsMulticast;
        var local = multicast ? null : FindAddress(destination);
        if (multicast ? !IsJoined(destination) : local is null)
        {
            Drop(DropReason.NotForUs, "ipv6", destination);
            return;
        }
        if (packet.NextHeader == IpProtocol.Tcp && local is not null)
        {
            // The bulk of the traffic: TCP right behind the fixed header has no extension headers to walk (RFC 8200 §4).
            if (!local.IsAssigned)
                Drop(DropReason.TentativeAddress, "ipv6", destination); // RFC 4862 §5.4: only DAD's NDP reaches a tentative address
            else
                ProcessTcp6(now, source, destination, packet.Payload, multicast: false, (EcnCodepoint)packet.Ecn);
            return;
        }
        var whole = packet.Buffer;
        if (!IPv6HeaderChain.TryParse(whole, IPv6HeaderChain.DefaultMaxHeaders, IPv6HeaderChain.DefaultMaxLength, out var chain, out error))
        {
            Drop((DropReason)error, "ipv6", source);
            OnBadHeaderChain(now, chain, error, whole, multicast);
            return;
        }
        if (local is { IsAssigned: false } && !(chain.UpperLayer == IpProtocol.Icmpv6 && chain.Fragment is null))
        {
            // RFC 4862 §5.4: a tentative address receives only the NDP messages of its DAD.
            Drop(DropReason.TentativeAddress, "ipv6", destination);
            return;
        }
        if (chain.Fragment is { } fragment && !fragment.IsAtomic)
        {
            Reassemble6(now, whole, chain, fragment, multicast);
            return;
        }
        // RFC 6946 §4: an atomic fragment is processed at once, apart from any reassembly.
        Deliver6(now, whole, chain, multicast);
    }

    private void Deliver6(Instant now, ReadOnlySpan<byte> packet, in IPv6HeaderChain chain, bool multicast)
    {
        var payload = packet[chain.UpperLayerOffset..];
        switch (chain.UpperLayer)
        {
            case IpProtocol.Icmpv6:
                ProcessIcmpv6(now, packet, payload, multicast);
                break;
            case IpProtocol.Tcp:
                ProcessTcp6(now, IPv6Address.Read(packet[IPv6Packet.Field.Source..]), IPv6Address.Read(packet[IPv6Packet.Field.Destination..]), payload, multicast,
                    (EcnCodepoint)((packet[1] >> 4) & 3)); // the traffic class's low two bits (RFC 3168 §5)
                break;
            case IpProtocol.Udp:
                ProcessUdp6(now, packet, chain.UpperLayerOffset, multicast);
                break;
            case IpProtocol.NoNextHeader:
                break; // RFC 8200 §4.7: nothing follows; nothing to do.
            default:
                Drop(DropReason.IPv6TransportUnsupported, "ipv6", chain.UpperLayer);
                break;
        }
    }

    /// <summary>RFC 8200 §4: the errors of the extension-header walk that ask for a parameter problem.</summary>
    private void OnBadHeaderChain(Instant now, in IPv6HeaderChain chain, WireError error, ReadOnlySpan<byte> packet, bool multicast)
    {
        if (chain.ProblemPointer < 0)
            return;
        if (error == WireError.UnrecognizedOption)
        {
            // §4.2: 01 discards silently; 10 reports even to multicast; 11 only when not multicast.
            if (chain.OptionAction == IPv6OptionAction.Discard || (chain.OptionAction == IPv6OptionAction.DiscardAndReportUnlessMulticast && multicast))
                return;
        }
        else if (multicast)
        {
            return;
        }
        SendIcmpv6Error(now, Icmpv6Type.ParameterProblem, (byte)chain.ProblemCode, (uint)chain.ProblemPointer, packet, allowMulticast: multicast);
    }

    private void Reassemble6(Instant now, ReadOnlySpan<byte> packet, in IPv6HeaderChain chain, IPv6FragmentInfo fragment, bool multicast)
    {
        _counters.IPv6FragmentsIn++;
        var source = IPv6Address.Read(packet[IPv6Packet.Field.Source..]);
        var destination = IPv6Address.Read(packet[IPv6Packet.Field.Destination..]);
        var key = new FragmentKey(source, destination, (byte)fragment.NextHeader, fragment.Identification);
        var data = packet[(fragment.HeaderOffset + IPv6FragmentInfo.HeaderLength)..];
        // The quote keeps the first fragment's start for time exceeded (RFC 8200 §4.5).
        var quote = packet[..Math.Min(packet.Length, Reassembly.QuoteCapacity)];
        var outcome = _reassembler.Add(now, key, fragment.Offset, fragment.MoreFragments, data, quote, out var datagram, out var reason);
        for (int evicted = _reassembler.TakeEvictions(); evicted > 0; evicted--)
            Drop(DropReason.ReassemblyEvicted, "ipv6", key);
        if (outcome == ReassemblyOutcome.Dropped)
        {
            Drop(reason, "ipv6", key);
            return;
        }
        if (outcome == ReassemblyOutcome.Held)
            return;
        // The unfragmentable part, then the reassembled data; the field that named the fragment header now names what it carried.
        int unfragmentable = fragment.HeaderOffset;
        int total = unfragmentable + datagram.Length;
        if (total - IPv6Repr.HeaderLength > MaxIPv6Payload)
        {
            _reassembler.ReleaseCompleted();
            Drop(DropReason.OversizeDatagram, "ipv6", key);
            return;
        }
        var whole = _reassembled6.AsSpan(0, total);
        packet[..unfragmentable].CopyTo(whole);
        datagram.CopyTo(whole[unfragmentable..]);
        _reassembler.ReleaseCompleted();
        whole[FieldNaming(whole, unfragmentable)] = (byte)fragment.NextHeader;
        whole[IPv6Packet.Field.PayloadLength] = (byte)((total - IPv6Repr.HeaderLength) >> 8);
        whole[IPv6Packet.Field.PayloadLength + 1] = (byte)(total - IPv6Repr.HeaderLength);
        _counters.IPv6DatagramsReassembled++;
        if (!IPv6HeaderChain.TryParse(whole, IPv6HeaderChain.DefaultMaxHeaders, IPv6HeaderChain.DefaultMaxLength, out var rebuilt, out var error))
        {
            Drop((DropReason)error, "ipv6", key);
            OnBadHeaderChain(now, rebuilt, error, whole, multicast);
            return;
        }
        Deliver6(now, whole, rebuilt, multicast);
    }

    /// <summary>The offset of the next header field naming the header at <paramref name="target"/> (walking the headers before it).</summary>
    private static int FieldNaming(ReadOnlySpan<byte> packet, int target)
    {
        int field = IPv6Packet.Field.NextHeader;
        int offset = IPv6Repr.HeaderLength;
        while (offset < target)
        {
            field = offset;
            offset += (packet[offset + 1] + 1) * 8; // hop-by-hop, destination options and routing all count 8-octet units
        }
        return field;
    }

    private void OnIPv6ReassemblyTimeout(Instant now, in FragmentKey key, int quoteLength)
    {
        Drop(DropReason.ReassemblyTimeout, "ipv6", key);
        // RFC 8200 §4.5: time exceeded (fragment reassembly) only when the first fragment arrived.
        if (quoteLength > 0 && FindAddress(key.Destination.V6) is not null)
            SendIcmpv6Error(now, Icmpv6Type.TimeExceeded, (byte)Icmpv6TimeExceededCode.ReassemblyTimeExceeded, 0, _quote.AsSpan(0, quoteLength), allowMulticast: false);
    }

    /// <summary>Our address <paramref name="address"/> in any state, or null.</summary>
    private HostAddress? FindAddress(IPv6Address address)
    {
        foreach (var a in _addresses6)
        {
            if (a.Address == address && a.State != IPv6AddressState.Duplicate)
                return a;
        }
        return null;
    }

    /// <summary>True when <paramref name="address"/> is one of our assigned (preferred or deprecated) addresses.</summary>
    internal bool IsOurIPv6Address(IPv6Address address) => FindAddress(address) is { IsAssigned: true };

    /// <summary>All-nodes and the solicited-node groups of our addresses (tentative ones included, RFC 4862 §5.4.2).</summary>
    private bool IsJoined(IPv6Address group)
    {
        if (group == IPv6Address.AllNodes)
            return true;
        foreach (var a in _addresses6)
        {
            if (a.State != IPv6AddressState.Duplicate && a.Address.SolicitedNode == group)
                return true;
        }
        return false;
    }

    /// <summary>
    /// The source for a packet to <paramref name="destination"/> (RFC 6724 §5, the rules that matter for one interface):
    /// an assigned address of the same scope, preferred over deprecated, longest matching prefix. Null when we have none.
    /// </summary>
    internal IPv6Address? SelectSourceAddress(IPv6Address destination)
    {
        bool linkScope = destination.IsLinkLocal || (destination.IsMulticast && ((destination.High >> 48) & 0xF) <= 2);
        HostAddress? best = null;
        int bestMatch = -1;
        foreach (var a in _addresses6)
        {
            if (!a.IsAssigned || (a.Address.IsLinkLocal != linkScope && best is not null && best.Address.IsLinkLocal != linkScope))
                continue;
            int match = CommonPrefixLength(a.Address, destination)
                + (a.Address.IsLinkLocal == linkScope ? 1000 : 0)
                + (a.State == IPv6AddressState.Preferred ? 500 : 0);
            if (match > bestMatch)
            {
                best = a;
                bestMatch = match;
            }
        }
        return best?.Address;
    }

    private static int CommonPrefixLength(IPv6Address a, IPv6Address b)
    {
        ulong high = a.High ^ b.High;
        return high != 0 ? System.Numerics.BitOperations.LeadingZeroCount(high) : 64 + System.Numerics.BitOperations.LeadingZeroCount(a.Low ^ b.Low);
    }

    /// <summary>True when <paramref name="destination"/> is on-link: link-local, or on one of our prefixes or an advertised one.</summary>
    internal bool IsOnLink(IPv6Address destination)
    {
        if (destination.IsLinkLocal || destination.IsMulticast)
            return true;
        foreach (var a in _addresses6)
        {
            if (a.Origin == IPv6AddressOrigin.Static && a.Prefix.Contains(destination))
                return true;
        }
        foreach (var p in _prefixes6)
        {
            if (p.Prefix.Contains(destination))
                return true;
        }
        return false;
    }

    /// <summary>The next hop for <paramref name="destination"/>: itself on-link, else the default router. False when there is no route.</summary>
    internal bool TryRoute(IPv6Address destination, out IPv6Address nextHop)
    {
        nextHop = destination;
        if (Medium == LinkMedium.IP || IsOnLink(destination))
            return true;
        if (IPv6Gateway is { } gateway)
        {
            nextHop = gateway;
            return true;
        }
        return false;
    }

    /// <summary>The path MTU towards <paramref name="destination"/> (RFC 8201).</summary>
    internal int PathMtu(Instant now, IPv6Address destination) => _pathMtu.Get(now, destination, _linkMtu6);

    /// <summary>
    /// Sends the packet whose payload (<paramref name="payloadLength"/> octets) was built in <see cref="IPv6PayloadBuffer"/>,
    /// from <paramref name="source"/> (null: chosen by <see cref="SelectSourceAddress"/>): routes it, and fragments it when it
    /// exceeds the path MTU (RFC 8200 §4.5: only the source fragments) unless <paramref name="dontFragment"/>.
    /// </summary>
    internal SendStatus SendIPv6(Instant now, IPv6Address? source, IPv6Address destination, IpProtocol nextHeader, int payloadLength,
        byte hopLimit = 0, bool dontFragment = false) =>
        SendIPv6(now, source, destination, nextHeader, payloadLength, LinkOffload.None, hopLimit, dontFragment);

    /// <summary>As above, with an offload request for the link (a TCP super-segment is never fragmented).</summary>
    internal SendStatus SendIPv6(Instant now, IPv6Address? source, IPv6Address destination, IpProtocol nextHeader, int payloadLength,
        in LinkOffload offload, byte hopLimit = 0, bool dontFragment = false, byte trafficClass = 0)
    {
        if (!IsIPv6Enabled)
            return SendStatus.NoRoute;
        var from = source ?? SelectSourceAddress(destination);
        if (from is not { } src || !TryRoute(destination, out var nextHop))
        {
            Drop(DropReason.NoRoute, "ipv6", destination);
            return SendStatus.NoRoute;
        }
        var ip = new IPv6Repr
        {
            Source = src,
            Destination = destination,
            NextHeader = nextHeader,
            PayloadLength = payloadLength,
            HopLimit = hopLimit == 0 ? _hopLimit6 : hopLimit,
            TrafficClass = trafficClass,
        };
        if (FindAddress(destination) is not null)
        {
            MaterializeGather(); // parsed by us: the whole packet in one buffer
            return Loopback6(ip);
        }
        int total = IPv6Repr.HeaderLength + payloadLength;
        int mtu = destination.IsMulticast ? _linkMtu6 : PathMtu(now, destination);
        if (total <= mtu || offload.GsoType != LinkGsoType.None)
        {
            ip.Emit(_tx.AsSpan(_linkHeaderLength));
            _counters.IPv6PacketsOut++;
            if (offload.GsoType != LinkGsoType.None)
                _counters.SuperFramesOut++;
            TransmitToNeighbour6(now, nextHop, _tx.AsSpan(0, _linkHeaderLength + total), offload);
            return SendStatus.Sent;
        }
        if (dontFragment)
        {
            Drop(DropReason.FragmentationNeeded, "ipv6", destination);
            return SendStatus.TooBig;
        }
        MaterializeGather(); // fragments are cut from the whole payload
        if (!offload.IsNone)
            offload.TryCompleteChecksum(_tx.AsSpan(0, _linkHeaderLength + total));
        Fragment6(now, ip, nextHop, mtu);
        return SendStatus.Sent;
    }

    /// <summary>Cuts the packet in <see cref="IPv6PayloadBuffer"/> into fragments of at most <paramref name="mtu"/> octets (RFC 8200 §4.5).</summary>
    private void Fragment6(Instant now, in IPv6Repr ip, IPv6Address nextHop, int mtu)
    {
        int chunk = (mtu - IPv6Repr.HeaderLength - IPv6FragmentInfo.HeaderLength) & ~7;
        var payload = _tx.AsSpan(_linkHeaderLength + IPv6Repr.HeaderLength, ip.PayloadLength);
        // RFC 7739: identifications that are not predictable.
        uint identification = (uint)_random.Next() ^ ((uint)_random.Next() << 1);
        _counters.DatagramsFragmented++;
        for (int offset = 0; offset < payload.Length; offset += chunk)
        {
            int length = Math.Min(chunk, payload.Length - offset);
            var frame = _fragment.AsSpan(0, _linkHeaderLength + IPv6Repr.HeaderLength + IPv6FragmentInfo.HeaderLength + length);
            var header = ip with { NextHeader = IpProtocol.IPv6Fragment, PayloadLength = IPv6FragmentInfo.HeaderLength + length };
            header.Emit(frame[_linkHeaderLength..]);
            new IPv6FragmentInfo(ip.NextHeader, offset, offset + length < payload.Length, identification)
                .Emit(frame[(_linkHeaderLength + IPv6Repr.HeaderLength)..]);
            payload.Slice(offset, length).CopyTo(frame[(_linkHeaderLength + IPv6Repr.HeaderLength + IPv6FragmentInfo.HeaderLength)..]);
            _counters.IPv6PacketsOut++;
            _counters.IPv6FragmentsOut++;
            TransmitToNeighbour6(now, nextHop, frame, LinkOffload.None);
        }
    }

    private SendStatus Loopback6(in IPv6Repr ip)
    {
        if (_loopback.Count >= MaxLoopbackQueue)
        {
            Drop(DropReason.LoopbackQueueFull, "ipv6", ip.Destination);
            return SendStatus.Sent;
        }
        var packet = _tx.AsSpan(_linkHeaderLength, ip.BufferLength);
        ip.Emit(packet);
        var buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
        packet.CopyTo(buffer);
        _loopback.Enqueue(new PendingFrame(buffer, packet.Length));
        _counters.IPv6PacketsOut++;
        return SendStatus.Sent;
    }

    /// <summary>
    /// Sends an IPv6 packet (at <paramref name="frame"/>[link header..]) to <paramref name="nextHop"/>: multicast to its
    /// group MAC (RFC 2464 §7), unicast to the neighbour's MAC when known, else queued while the neighbour resolves.
    /// </summary>
    private void TransmitToNeighbour6(Instant now, IPv6Address nextHop, Span<byte> frame, in LinkOffload offload)
    {
        if (Medium != LinkMedium.Ethernet)
        {
            Transmit(now, frame, offload);
            return;
        }
        if (nextHop.IsMulticast)
        {
            new EthernetRepr(HardwareAddress, nextHop.MulticastMac, EtherType.IPv6).Emit(frame);
            Transmit(now, frame, offload);
            return;
        }
        if (_neighbors.TryLookup(now, nextHop, out var mac))
        {
            new EthernetRepr(HardwareAddress, mac, EtherType.IPv6).Emit(frame);
            Transmit(now, frame, offload);
            return;
        }
        new EthernetRepr(HardwareAddress, MacAddress.Zero, EtherType.IPv6).Emit(frame);
        var entry = _neighbors.BeginResolve(now, nextHop, out bool created);
        if (entry is null)
        {
            Drop(DropReason.NeighborCacheFull, "ndp", nextHop);
            return;
        }
        MaterializeGather(); // the queue keeps a copy of the whole frame
        if (entry.Queue.Enqueue(frame, offload))
            Drop(DropReason.NeighborQueueOverflow, "ndp", nextHop);
        if (created)
            SendNeighborSolicitation(now, nextHop, null);
    }
}
