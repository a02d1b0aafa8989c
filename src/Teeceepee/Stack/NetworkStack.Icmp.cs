using Teeceepee.Stack.Loop;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    private readonly List<PingOperation> _pings = new(16);
    private readonly ushort _pingIdentifier;
    private ushort _nextPingSequence = 1; // from 1 like iputils' ping, so the CLI's icmp_seq is the wire's sequence number

    /// <summary>
    /// Sends one ICMP echo request of <paramref name="dataSize"/> data octets to
    /// <paramref name="destination"/> and waits for the reply, an ICMP error about it, ARP failure
    /// of the next hop, or <paramref name="timeout"/>. Requests over the MTU are fragmented.
    /// </summary>
    public ValueTask<PingReply> PingAsync(IPv4Address destination, int dataSize, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        PingAsync(destination, dataSize, timeout, 0, dontFragment: false, cancellationToken);

    /// <summary>
    /// As <see cref="PingAsync(IPv4Address, int, TimeSpan, CancellationToken)"/> with the request's
    /// TTL (0: the stack's default) and Don't Fragment flag (a request over the MTU then fails
    /// with <see cref="PingStatus.PacketTooBig"/> instead of being fragmented).
    /// </summary>
    public ValueTask<PingReply> PingAsync(IPv4Address destination, int dataSize, TimeSpan timeout, byte timeToLive, bool dontFragment, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(dataSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataSize, MaxIPv4Payload - IcmpRepr.HeaderLength);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<PingReply>(cancellationToken);
        return LoopOperationPool<PingOperation>.Rent().Start(this, destination, dataSize, timeout, timeToLive, dontFragment, cancellationToken);
    }

    /// <summary>Sends one echo request with 56 data octets (like ping) and waits up to <paramref name="timeout"/>.</summary>
    public ValueTask<PingReply> PingAsync(IPv4Address destination, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        PingAsync(destination, 56, timeout, cancellationToken);

    internal void StartPing(Instant now, PingOperation ping)
    {
        ping.Sequence = _nextPingSequence++;
        ping.SentAt = now;
        ping.Deadline = now + ping.Timeout;
        if (ping.Destination.IsIPv6)
        {
            StartPing6(now, ping);
            return;
        }
        var icmp = IcmpRepr.EchoRequest(_pingIdentifier, ping.Sequence, ping.DataSize);
        var buffer = IPv4PayloadBuffer;
        var data = buffer.Slice(IcmpRepr.HeaderLength, ping.DataSize);
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)i;
        icmp.Emit(buffer);
        _pings.Add(ping);
        var status = SendIPv4(now, ping.Destination.V4, IpProtocol.Icmp, icmp.BufferLength, ping.DontFragment, ping.TimeToLive);
        if (status == SendStatus.Sent)
        {
            _counters.IcmpOut[(byte)IcmpType.EchoRequest]++;
            return;
        }
        _pings.Remove(ping);
        ping.Complete(status == SendStatus.NoRoute ? PingStatus.NetworkUnreachable : PingStatus.PacketTooBig, ping.Destination, now);
    }

    internal void RemovePing(PingOperation ping) => _pings.Remove(ping);

    private Instant PingPollAt()
    {
        var at = Instant.MaxValue;
        foreach (var p in _pings)
            at = Instant.Min(at, p.Deadline);
        return at;
    }

    private void ExpirePings(Instant now)
    {
        for (int i = _pings.Count - 1; i >= 0; i--)
        {
            var p = _pings[i];
            if (p.Deadline > now)
                continue;
            _pings.RemoveAt(i);
            p.Complete(PingStatus.TimedOut, p.Destination, now);
        }
    }

    private void FailPingsVia(Instant now, IPv4Address nextHop)
    {
        // In the order they were sent, so ping prints its errors by sequence as iputils does.
        for (int i = 0; i < _pings.Count;)
        {
            var p = _pings[i];
            if (!p.Destination.IsIPv4 || !TryRoute(p.Destination.V4, out var hop) || hop != nextHop)
            {
                i++;
                continue;
            }
            _pings.RemoveAt(i);
            p.Complete(PingStatus.HostUnreachable, p.Destination, now);
        }
    }

    private void ProcessIcmp(Instant now, in IPv4Repr ip, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> header, bool broadcast)
    {
        if (!IcmpPacket.TryParse(payload, _verifyChecksums, out var packet, out var error) || !IcmpRepr.TryParse(packet, out var icmp, out error))
        {
            Drop((DropReason)error, "icmp");
            return;
        }
        _counters.IcmpIn[(byte)icmp.Type]++;
        switch (icmp.Type)
        {
            case IcmpType.EchoRequest:
                if (broadcast)
                {
                    // RFC 1122 §3.2.2.6: an echo request to a broadcast address MAY be silently discarded (smurf amplification).
                    Drop(DropReason.BroadcastEcho, "icmp", ip.Source);
                    return;
                }
                // RFC 792: the reply carries the request's identifier, sequence number and data.
                var reply = IcmpRepr.EchoReply(icmp.Identifier, icmp.SequenceNumber, icmp.DataLength);
                reply.Emit(IPv4PayloadBuffer, packet.Data);
                if (SendIPv4(now, ip.Source, IpProtocol.Icmp, reply.BufferLength) == SendStatus.Sent)
                    _counters.IcmpOut[(byte)IcmpType.EchoReply]++;
                return;
            case IcmpType.EchoReply:
                OnEchoReply(now, ip, icmp);
                return;
            case IcmpType.DestinationUnreachable or IcmpType.TimeExceeded or IcmpType.ParameterProblem:
                OnIcmpError(now, ip, icmp, packet.Data);
                return;
            default:
                Drop(DropReason.UnsupportedIcmp, "icmp", icmp.Type);
                return;
        }
    }

    private void OnEchoReply(Instant now, in IPv4Repr ip, in IcmpRepr icmp)
    {
        if (icmp.Identifier == _pingIdentifier)
        {
            for (int i = 0; i < _pings.Count; i++)
            {
                var p = _pings[i];
                if (p.Sequence != icmp.SequenceNumber || !p.Destination.IsIPv4 || (p.Destination.V4 != ip.Source && !p.Destination.V4.IsBroadcast && p.Destination.V4 != SubnetBroadcast))
                    continue;
                _pings.RemoveAt(i);
                p.Complete(new PingReply(PingStatus.Success, ip.Source, now - p.SentAt, ip.TimeToLive, p.Sequence, icmp.DataLength));
                return;
            }
        }
        Drop(DropReason.IcmpUnmatched, "icmp", ip.Source);
    }

    /// <summary>
    /// An ICMP error names the datagram that caused it by quoting its header and first 8 octets
    /// (RFC 792); the quote finds the ping, socket or connection to tell (RFC 1122 §3.2.2, §4.1.3.3).
    /// </summary>
    private void OnIcmpError(Instant now, in IPv4Repr ip, in IcmpRepr icmp, ReadOnlySpan<byte> quote)
    {
        // IcmpRepr.TryParse checked that the quote holds an IPv4 header and 8 more octets.
        int innerHeaderLength = (quote[0] & 0xF) * 4;
        var innerProtocol = (IpProtocol)quote[IPv4Packet.Field.Protocol];
        var innerSource = IPv4Address.Read(quote[IPv4Packet.Field.Source..]);
        var innerDestination = IPv4Address.Read(quote[IPv4Packet.Field.Destination..]);
        var transport = quote[innerHeaderLength..];
        if (innerSource != Address)
        {
            Drop(DropReason.IcmpUnmatched, "icmp", innerSource);
            return;
        }
        if (IsTracing)
            Trace($"icmp {icmp.Type} code {icmp.Code} from {ip.Source} about {innerProtocol} to {innerDestination}");

        switch (innerProtocol)
        {
            case IpProtocol.Icmp when (IcmpType)transport[0] == IcmpType.EchoRequest:
                ushort identifier = (ushort)(transport[4] << 8 | transport[5]);
                ushort sequence = (ushort)(transport[6] << 8 | transport[7]);
                if (identifier == _pingIdentifier)
                {
                    for (int i = 0; i < _pings.Count; i++)
                    {
                        var p = _pings[i];
                        if (p.Sequence != sequence || p.Destination != (NetAddress)innerDestination)
                            continue;
                        _pings.RemoveAt(i);
                        p.Complete(PingStatusFor(icmp), ip.Source, now, ip.TimeToLive);
                        return;
                    }
                }
                break;
            case IpProtocol.Udp:
                ushort sourcePort = (ushort)(transport[0] << 8 | transport[1]);
                ushort destinationPort = (ushort)(transport[2] << 8 | transport[3]);
                if (_udp.DeliverIcmpError(sourcePort, innerDestination, destinationPort, icmp))
                    return;
                break;
            case IpProtocol.Tcp:
                if (DeliverTcpIcmpError(now, ip, icmp, innerDestination, transport))
                    return;
                break;
        }
        Drop(DropReason.IcmpUnmatched, "icmp", ip.Source);
    }

    private static PingStatus PingStatusFor(in IcmpRepr icmp)
    {
        if (icmp.Type == IcmpType.TimeExceeded)
            return PingStatus.TimeExceeded;
        if (icmp.Type == IcmpType.ParameterProblem)
            return PingStatus.DestinationUnreachable;
        return (IcmpUnreachableCode)icmp.Code switch
        {
            IcmpUnreachableCode.NetUnreachable or IcmpUnreachableCode.NetUnknown or IcmpUnreachableCode.NetUnreachableForTos => PingStatus.NetworkUnreachable,
            IcmpUnreachableCode.HostUnreachable or IcmpUnreachableCode.HostUnknown or IcmpUnreachableCode.HostUnreachableForTos => PingStatus.HostUnreachable,
            IcmpUnreachableCode.FragmentationNeeded => PingStatus.PacketTooBig,
            _ => PingStatus.DestinationUnreachable,
        };
    }
}
