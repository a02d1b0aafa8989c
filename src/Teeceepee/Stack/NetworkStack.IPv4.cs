using System.Buffers;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    /// <summary>Largest payload of one IPv4 datagram (65535 minus our 20-octet header).</summary>
    internal const int MaxIPv4Payload = 65535 - IPv4Repr.HeaderLength;

    private const int MaxLoopbackQueue = 256;

    private readonly Queue<PendingFrame> _loopback = new(16);

    /// <summary>
    /// Where transports build an outgoing datagram's payload before <see cref="SendIPv4(Instant, IPv4Address, IpProtocol, int, bool, byte)"/>; room for
    /// <see cref="MaxIPv4Payload"/> octets. Valid until the next send.
    /// </summary>
    internal Span<byte> IPv4PayloadBuffer => _tx.AsSpan(_linkHeaderLength + IPv4Repr.HeaderLength, MaxIPv4Payload);

    /// <summary>Fragment octets held by the reassembler (loop thread; for tests and diagnostics).</summary>
    internal int ReassemblyHeldBytes => _reassembler.HeldBytes;

    /// <summary>Datagrams being reassembled (loop thread).</summary>
    internal int ReassemblyCount => _reassembler.ActiveCount;

    /// <summary>Neighbours in the ARP cache, resolved or not (loop thread; for the fuzz harness's bounds).</summary>
    internal int ArpEntryCount => _arp.Count;

    private void ProcessIPv4(Instant now, ReadOnlySpan<byte> buffer)
    {
        if (!IPv4Packet.TryParse(buffer, _verifyChecksums, out var packet, out var error) || !IPv4Repr.TryParse(packet, out var ip, out error))
        {
            Drop((DropReason)error, "ipv4");
            return;
        }
        _counters.IPv4PacketsIn++;
        var destination = ip.Destination;
        bool broadcast = destination.IsBroadcast || (destination == SubnetBroadcast && PrefixLength < 31);
        // RFC 1122 §3.3.1: a host does not forward; §3.2.1.7: TTL is not checked for local delivery.
        // Without an address (DHCP under way) UDP to any address is ours: a server may unicast its
        // OFFER/ACK to the address it is offering (RFC 2131 §4.1).
        if (destination != Address && !broadcast && !(Address.IsUnspecified && ip.Protocol == IpProtocol.Udp))
        {
            Drop(DropReason.NotForUs, "ipv4", destination);
            return;
        }

        if (!packet.IsFragment)
        {
            Deliver(now, ip, packet.Payload, packet.Header, broadcast);
            return;
        }

        _counters.FragmentsIn++;
        var key = new FragmentKey(ip.Source, destination, (byte)ip.Protocol, ip.Identification);
        var quote = packet.Buffer[..(packet.HeaderLength + Math.Min(8, packet.Payload.Length))];
        var outcome = _reassembler.Add(now, key, ip.FragmentOffset, ip.MoreFragments, packet.Payload, quote, out var datagram, out var reason);
        for (int evicted = _reassembler.TakeEvictions(); evicted > 0; evicted--)
            Drop(DropReason.ReassemblyEvicted, "ipv4", key);
        if (outcome == ReassemblyOutcome.Dropped)
        {
            Drop(reason, "ipv4", key);
            return;
        }
        if (outcome == ReassemblyOutcome.Held)
            return;
        _counters.DatagramsReassembled++;
        var whole = ip with { PayloadLength = datagram.Length, MoreFragments = false, FragmentOffset = 0 };
        Deliver(now, whole, datagram, packet.Header, broadcast);
        _reassembler.ReleaseCompleted();
    }

    private void Deliver(Instant now, in IPv4Repr ip, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> header, bool broadcast)
    {
        switch (ip.Protocol)
        {
            case IpProtocol.Icmp:
                ProcessIcmp(now, ip, payload, header, broadcast);
                break;
            case IpProtocol.Udp:
                ProcessUdp(now, ip, payload, header, broadcast);
                break;
            case IpProtocol.Tcp:
                ProcessTcp(now, ip, payload, broadcast);
                break;
            default:
                Drop(DropReason.UnknownProtocol, "ipv4", (byte)ip.Protocol);
                // RFC 1122 §3.2.2.1: a host SHOULD answer an unknown protocol with protocol unreachable.
                if (!broadcast)
                    SendDestinationUnreachable(now, IcmpUnreachableCode.ProtocolUnreachable, ip.Source, header, payload);
                break;
        }
    }

    /// <summary>
    /// Chooses the next hop for <paramref name="destination"/>: itself on-link (broadcasts included),
    /// else the gateway. False when there is no route.
    /// </summary>
    internal bool TryRoute(IPv4Address destination, out IPv4Address nextHop)
    {
        nextHop = destination;
        if (Medium == Links.LinkMedium.IP || destination.IsBroadcast || IsOnLink(destination))
            return true;
        if (Gateway is IPv4Address gateway)
        {
            nextHop = gateway;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Sends the datagram whose payload (<paramref name="payloadLength"/> octets) was built in
    /// <see cref="IPv4PayloadBuffer"/>: routes it, fragments it when it exceeds the MTU (RFC 791 §3.2)
    /// unless <paramref name="dontFragment"/>, and hands each frame to ARP and the link.
    /// </summary>
    internal SendStatus SendIPv4(Instant now, IPv4Address destination, IpProtocol protocol, int payloadLength, bool dontFragment = false, byte timeToLive = 0) =>
        SendIPv4(now, destination, protocol, payloadLength, LinkOffload.None, dontFragment, timeToLive);

    /// <summary>
    /// As above, with an offload request for the link. A TCP super-segment (<see cref="LinkOffload.GsoType"/> set) goes
    /// out as one datagram of up to 64 KiB with DF set, however large the MTU: the link cuts it into wire segments,
    /// giving them consecutive identifications from the one we put in (the next ones are skipped here).
    /// </summary>
    internal SendStatus SendIPv4(Instant now, IPv4Address destination, IpProtocol protocol, int payloadLength, in LinkOffload offload, bool dontFragment = false, byte timeToLive = 0,
        byte typeOfService = 0)
    {
        if (destination == Address)
        {
            MaterializeGather(); // parsed by us: the whole packet in one buffer
            return Loopback(destination, protocol, payloadLength, timeToLive);
        }
        if (!TryRoute(destination, out var nextHop))
        {
            Drop(DropReason.NoRoute, "ipv4", destination);
            return SendStatus.NoRoute;
        }
        int total = IPv4Repr.HeaderLength + payloadLength;
        if (offload.GsoType != LinkGsoType.None)
            return SendSuperFrame(now, destination, nextHop, protocol, payloadLength, offload, timeToLive, typeOfService);
        if (total > Mtu && dontFragment)
        {
            Drop(DropReason.FragmentationNeeded, "ipv4", destination);
            return SendStatus.TooBig;
        }
        var ip = OwnHeader(destination, protocol, payloadLength, timeToLive, _nextIdentification++, dontFragment, typeOfService);
        if (total <= Mtu)
        {
            ip.Emit(_tx.AsSpan(_linkHeaderLength));
            _counters.IPv4PacketsOut++;
            TransmitToNeighbour(now, nextHop, _tx.AsSpan(0, _linkHeaderLength + total), offload);
            return SendStatus.Sent;
        }
        MaterializeGather(); // fragments are cut from the whole payload
        if (!offload.IsNone)
        {
            // Fragments are cut here, so a partial checksum cannot be left to the link: complete it first.
            offload.TryCompleteChecksum(_tx.AsSpan(0, _linkHeaderLength + total));
        }

        // Every fragment but the last carries a multiple of 8 octets (RFC 791 §3.2).
        int chunk = (Mtu - IPv4Repr.HeaderLength) & ~7;
        var payload = _tx.AsSpan(_linkHeaderLength + IPv4Repr.HeaderLength, payloadLength);
        _counters.DatagramsFragmented++;
        for (int offset = 0; offset < payloadLength; offset += chunk)
        {
            int length = Math.Min(chunk, payloadLength - offset);
            var fragment = ip with { PayloadLength = length, FragmentOffset = offset, MoreFragments = offset + length < payloadLength };
            var frame = _fragment.AsSpan(0, _linkHeaderLength + IPv4Repr.HeaderLength + length);
            payload.Slice(offset, length).CopyTo(frame[(_linkHeaderLength + IPv4Repr.HeaderLength)..]);
            fragment.Emit(frame[_linkHeaderLength..]);
            _counters.IPv4PacketsOut++;
            _counters.FragmentsOut++;
            TransmitToNeighbour(now, nextHop, frame);
        }
        return SendStatus.Sent;
    }

    private SendStatus SendSuperFrame(Instant now, IPv4Address destination, IPv4Address nextHop, IpProtocol protocol, int payloadLength, in LinkOffload offload, byte timeToLive,
        byte typeOfService)
    {
        int total = IPv4Repr.HeaderLength + payloadLength;
        int segmentPayload = _linkHeaderLength + total - offload.HeaderLength;
        int segments = Math.Max(1, (segmentPayload + offload.SegmentSize - 1) / offload.SegmentSize);
        // Never fragmented: each wire segment fits the MTU, and DF lets the kernel's TSO count ids up (RFC 6864 §4.1).
        var ip = OwnHeader(destination, protocol, payloadLength, timeToLive, _nextIdentification, dontFragment: true, typeOfService);
        _nextIdentification = unchecked((ushort)(_nextIdentification + segments));
        ip.Emit(_tx.AsSpan(_linkHeaderLength));
        _counters.IPv4PacketsOut++;
        _counters.SuperFramesOut++;
        TransmitToNeighbour(now, nextHop, _tx.AsSpan(0, _linkHeaderLength + total), offload);
        return SendStatus.Sent;
    }

    /// <summary>The header of a datagram we originate (TTL 0: the configured default).</summary>
    private IPv4Repr OwnHeader(IPv4Address destination, IpProtocol protocol, int payloadLength, byte timeToLive, ushort identification, bool dontFragment,
        byte typeOfService = 0) => new()
    {
        TypeOfService = typeOfService,
        Source = Address,
        Destination = destination,
        Protocol = protocol,
        PayloadLength = payloadLength,
        TimeToLive = timeToLive == 0 ? Options.TimeToLive : timeToLive,
        Identification = identification,
        DontFragment = dontFragment,
    };

    /// <summary>Queues a datagram to ourselves for the next ingress pass (no link, no MTU: never fragmented).</summary>
    private SendStatus Loopback(IPv4Address destination, IpProtocol protocol, int payloadLength, byte timeToLive)
    {
        if (_loopback.Count >= MaxLoopbackQueue)
        {
            Drop(DropReason.LoopbackQueueFull, "ipv4", destination);
            return SendStatus.Sent;
        }
        var ip = OwnHeader(destination, protocol, payloadLength, timeToLive, _nextIdentification++, dontFragment: false);
        var packet = _tx.AsSpan(_linkHeaderLength, ip.BufferLength);
        ip.Emit(packet);
        var buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
        packet.CopyTo(buffer);
        _loopback.Enqueue(new PendingFrame(buffer, packet.Length));
        _counters.IPv4PacketsOut++;
        return SendStatus.Sent;
    }

    private void DrainLoopback(Instant now)
    {
        // Only what is queued now: answers to looped packets go round on the next poll.
        for (int n = _loopback.Count; n > 0 && _loopback.TryDequeue(out var packet); n--)
        {
            try
            {
                var looped = packet.Buffer.AsSpan(0, packet.Length);
                if (looped[0] >> 4 == 6)
                    ProcessIPv6(now, looped);
                else
                    ProcessIPv4(now, looped);
            }
            catch (Exception e)
            {
                _reassembler.ReleaseCompleted();
                Drop(DropReason.InternalError, "stack", $"{e.GetType().Name}: {e.Message}");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(packet.Buffer);
            }
        }
    }

    /// <summary>
    /// Sends destination unreachable about a datagram we received (its <paramref name="header"/> and
    /// payload), quoting the header and 8 octets (RFC 792), within the ICMP error rate limit.
    /// </summary>
    internal void SendDestinationUnreachable(Instant now, IcmpUnreachableCode code, IPv4Address to, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        int quoteLength = header.Length + Math.Min(8, payload.Length);
        var icmp = IcmpRepr.DestinationUnreachable(code, quoteLength);
        SendIcmpError(now, icmp, to, header, payload);
    }

    private void SendIcmpError(Instant now, in IcmpRepr icmp, IPv4Address to, ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        // RFC 1122 §3.2.2: never about a datagram whose source does not name one host.
        if (to.IsUnspecified || to.IsBroadcast || to.IsMulticast || to == SubnetBroadcast || to.IsLoopback)
            return;
        if (!_icmpErrors.TryTake(now))
        {
            Drop(DropReason.IcmpRateLimited, "icmp", to);
            return;
        }
        var buffer = IPv4PayloadBuffer;
        header.CopyTo(buffer[IcmpRepr.HeaderLength..]);
        payload[..(icmp.DataLength - header.Length)].CopyTo(buffer[(IcmpRepr.HeaderLength + header.Length)..]);
        icmp.Emit(buffer);
        if (IsTracing)
            Trace($"icmp {icmp.Type} code {icmp.Code} to {to}");
        if (SendIPv4(now, to, IpProtocol.Icmp, icmp.BufferLength) == SendStatus.Sent)
            _counters.IcmpOut[(byte)icmp.Type]++;
    }

    private void ExpireReassemblies(Instant now)
    {
        while (_reassembler.TryExpire(now, _quote, out int quoteLength, out var key, out bool wasDiscarded))
        {
            if (wasDiscarded)
                continue;
            if (key.Source.IsIPv6)
            {
                OnIPv6ReassemblyTimeout(now, key, quoteLength);
                continue;
            }
            Drop(DropReason.ReassemblyTimeout, "ipv4", key);
            // RFC 792: time exceeded, code 1, only when fragment zero arrived (it is what we quote).
            if (quoteLength > 0 && key.Source.IsIPv4 && key.Destination == (NetAddress)Address)
            {
                var icmp = IcmpRepr.TimeExceeded(IcmpTimeExceededCode.ReassemblyTimeExceeded, quoteLength);
                int headerLength = (_quote[0] & 0xF) * 4;
                SendIcmpError(now, icmp, key.Source.V4, _quote.AsSpan(0, headerLength), _quote.AsSpan(headerLength, quoteLength - headerLength));
            }
        }
    }
}
