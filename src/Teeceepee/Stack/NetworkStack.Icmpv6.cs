using System.Net.Sockets;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>ICMPv6 (RFC 4443): echo both ways, errors received (packet too big feeds the path MTU) and sent, rate-limited.</summary>
public sealed partial class NetworkStack
{
    /// <summary>
    /// Sends one ICMPv6 echo request of <paramref name="dataSize"/> data octets to <paramref name="destination"/> and waits for
    /// the reply, an ICMPv6 error about it, neighbour unreachability, or <paramref name="timeout"/>. Requests over the path MTU
    /// are fragmented (RFC 8200 §4.5).
    /// </summary>
    public ValueTask<PingReply> PingAsync(IPv6Address destination, int dataSize, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(dataSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataSize, MaxIPv6Payload - Icmpv6Repr.HeaderLength);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<PingReply>(cancellationToken);
        return LoopOperationPool<PingOperation>.Rent().Start(this, destination, dataSize, timeout, 0, dontFragment: false, cancellationToken);
    }

    /// <summary>Pings either family: <see cref="PingAsync(IPv4Address, int, TimeSpan, CancellationToken)"/> or the IPv6 overload.</summary>
    public ValueTask<PingReply> PingAsync(NetAddress destination, int dataSize, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        destination.IsIPv4 ? PingAsync(destination.V4, dataSize, timeout, cancellationToken) : PingAsync(destination.V6, dataSize, timeout, cancellationToken);

    private void StartPing6(Instant now, PingOperation ping)
    {
        var destination = ping.Destination.V6;
        var source = SelectSourceAddress(destination);
        if (source is not { } src)
        {
            ping.Complete(PingStatus.NetworkUnreachable, ping.Destination, now);
            return;
        }
        var icmp = Icmpv6Repr.EchoRequest(_pingIdentifier, ping.Sequence, ping.DataSize);
        var buffer = IPv6PayloadBuffer;
        var data = buffer.Slice(Icmpv6Repr.HeaderLength, ping.DataSize);
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)i;
        icmp.Emit(buffer, src, destination);
        _pings.Add(ping);
        var status = SendIPv6(now, src, destination, IpProtocol.Icmpv6, icmp.BufferLength, ping.TimeToLive, ping.DontFragment);
        if (status == SendStatus.Sent)
        {
            _counters.Icmpv6Out[(byte)Icmpv6Type.EchoRequest]++;
            return;
        }
        _pings.Remove(ping);
        ping.Complete(status == SendStatus.NoRoute ? PingStatus.NetworkUnreachable : PingStatus.PacketTooBig, ping.Destination, now);
    }

    private void FailPingsVia6(Instant now, IPv6Address nextHop)
    {
        for (int i = _pings.Count - 1; i >= 0; i--)
        {
            var p = _pings[i];
            if (!p.Destination.IsIPv6 || !TryRoute(p.Destination.V6, out var hop) || hop != nextHop)
                continue;
            _pings.RemoveAt(i);
            p.Complete(PingStatus.HostUnreachable, p.Destination, now);
        }
    }

    private void ProcessIcmpv6(Instant now, ReadOnlySpan<byte> packet, ReadOnlySpan<byte> payload, bool multicast)
    {
        var source = IPv6Address.Read(packet[IPv6Packet.Field.Source..]);
        var destination = IPv6Address.Read(packet[IPv6Packet.Field.Destination..]);
        if (!Icmpv6Packet.TryParse(payload, source, destination, _verifyChecksums && !_frameChecksumTrusted, out var message, out var error))
        {
            Drop((DropReason)error, "icmpv6");
            return;
        }
        var type = message.Type;
        _counters.Icmpv6In[(byte)type]++;
        if (NdpRepr.IsNdp(type))
        {
            ProcessNdp(now, packet, message);
            return;
        }
        if (type is Icmpv6Type.MulticastListenerQuery or Icmpv6Type.MulticastListenerReport or Icmpv6Type.MulticastListenerDone or Icmpv6Type.Mldv2Report)
        {
            OnMld(now, type);
            return;
        }
        if (FindAddress(destination) is { IsAssigned: false })
        {
            Drop(DropReason.TentativeAddress, "icmpv6", destination);
            return;
        }
        if (!Icmpv6Repr.TryParse(message, out var icmp, out error))
        {
            Drop((DropReason)error, "icmpv6");
            return;
        }
        switch (icmp.Type)
        {
            case Icmpv6Type.EchoRequest:
            {
                // RFC 4443 §4.2: the reply carries the request's identifier, sequence and data; to a multicast request
                // it comes from one of our unicast addresses.
                var from = multicast ? SelectSourceAddress(source) : destination;
                if (from is not { } src)
                {
                    Drop(DropReason.NoRoute, "icmpv6", source);
                    return;
                }
                var reply = Icmpv6Repr.EchoReply(icmp.Identifier, icmp.SequenceNumber, icmp.DataLength);
                reply.Emit(IPv6PayloadBuffer, message.Data, src, source);
                if (SendIPv6(now, src, source, IpProtocol.Icmpv6, reply.BufferLength) == SendStatus.Sent)
                    _counters.Icmpv6Out[(byte)Icmpv6Type.EchoReply]++;
                return;
            }
            case Icmpv6Type.EchoReply:
                OnEchoReply6(now, source, packet[IPv6Packet.Field.HopLimit], icmp);
                return;
            case Icmpv6Type.DestinationUnreachable or Icmpv6Type.PacketTooBig or Icmpv6Type.TimeExceeded or Icmpv6Type.ParameterProblem:
                OnIcmpv6Error(now, source, packet[IPv6Packet.Field.HopLimit], icmp, message.QuotedPacket);
                return;
            default:
                Drop(DropReason.UnsupportedIcmpv6, "icmpv6", icmp.Type);
                return;
        }
    }

    private void OnEchoReply6(Instant now, IPv6Address source, byte hopLimit, in Icmpv6Repr icmp)
    {
        if (icmp.Identifier == _pingIdentifier)
        {
            for (int i = 0; i < _pings.Count; i++)
            {
                var p = _pings[i];
                if (p.Sequence != icmp.SequenceNumber || !p.Destination.IsIPv6 || (p.Destination.V6 != source && !p.Destination.V6.IsMulticast))
                    continue;
                _pings.RemoveAt(i);
                p.Complete(new PingReply(PingStatus.Success, source, now - p.SentAt, hopLimit, p.Sequence, icmp.DataLength));
                return;
            }
        }
        Drop(DropReason.IcmpUnmatched, "icmpv6", source);
    }

    /// <summary>An ICMPv6 error quotes as much of the invoking packet as fits (RFC 4443 §2.4 (c)); the quote names whom to tell.</summary>
    private void OnIcmpv6Error(Instant now, IPv6Address from, byte hopLimit, in Icmpv6Repr icmp, ReadOnlySpan<byte> quote)
    {
        if (!IPv6Packet.TryParseQuoted(quote, out var inner, out _))
        {
            Drop(DropReason.TruncatedHeader, "icmpv6", from);
            return;
        }
        var innerSource = inner.Source;
        var innerDestination = inner.Destination;
        if (FindAddress(innerSource) is null)
        {
            Drop(DropReason.IcmpUnmatched, "icmpv6", innerSource);
            return;
        }
        if (IsTracing)
            Trace($"icmpv6 {icmp.Type} code {icmp.Code} from {from} about {innerDestination}");
        if (icmp.Type == Icmpv6Type.PacketTooBig)
        {
            // RFC 8201 §4: lower the path MTU towards the quoted destination (never below 1280).
            if (_pathMtu.Lower(now, innerDestination, icmp.Mtu, _linkMtu6) is { } mtu)
            {
                Trace($"ipv6 path mtu to {innerDestination} is {mtu}");
                OnPathMtuLowered(now, innerDestination, mtu);
            }
            return;
        }
        if (!IPv6HeaderChain.TryParse(quote, IPv6HeaderChain.DefaultMaxHeaders, IPv6HeaderChain.DefaultMaxLength, out var chain, out _)
            || !chain.HasUpperLayer || quote.Length < chain.UpperLayerOffset + 8)
        {
            Drop(DropReason.IcmpUnmatched, "icmpv6", from);
            return;
        }
        var transport = quote[chain.UpperLayerOffset..];
        if (chain.UpperLayer is IpProtocol.Tcp or IpProtocol.Udp)
        {
            // RFC 4443 §3.1, §3.3, §3.4 and RFC 1122 §4.2.3.9: the quoted ports name the socket or connection to tell.
            if (DeliverTransportIcmpv6Error(now, chain.UpperLayer, icmp, innerSource, innerDestination, transport))
                return;
        }
        else if (chain.UpperLayer == IpProtocol.Icmpv6)
        {
            if ((Icmpv6Type)transport[0] == Icmpv6Type.EchoRequest && (ushort)(transport[4] << 8 | transport[5]) == _pingIdentifier)
            {
                ushort sequence = (ushort)(transport[6] << 8 | transport[7]);
                for (int i = 0; i < _pings.Count; i++)
                {
                    var p = _pings[i];
                    if (p.Sequence != sequence || p.Destination != (NetAddress)innerDestination)
                        continue;
                    _pings.RemoveAt(i);
                    p.Complete(PingStatusFor(icmp), from, now, hopLimit);
                    return;
                }
            }
        }
        Drop(DropReason.IcmpUnmatched, "icmpv6", from);
    }

    /// <summary>
    /// An ICMPv6 error about a TCP segment or UDP datagram we sent: a connecting TCP socket fails with the matching error, an
    /// established one keeps it as a soft error (RFC 1122 §4.2.3.9, reported only if the connection then times out), a
    /// connected UDP socket gets it on its next call. Packet too big only fed the path MTU above. True when one took it.
    /// </summary>
    private bool DeliverTransportIcmpv6Error(Instant now, IpProtocol protocol, in Icmpv6Repr icmp, IPv6Address local, IPv6Address remote, ReadOnlySpan<byte> transport)
    {
        ushort localPort = (ushort)(transport[0] << 8 | transport[1]);
        ushort remotePort = (ushort)(transport[2] << 8 | transport[3]);
        if (protocol == IpProtocol.Udp)
            return _udp.DeliverIcmpError(localPort, remote, remotePort, UdpSocketErrorFor(icmp));
        var tuple = new TcpFourTuple(local, localPort, remote, remotePort);
        if (_tcp.Find(tuple) is null)
            return false;
        var seq = new SeqNumber((uint)(transport[4] << 24 | transport[5] << 16 | transport[6] << 8 | transport[7]));
        _tcp.OnIcmpError(now, tuple, TcpErrorFor(icmp), seq);
        return true;
    }

    // RFC 4443 §3.1 codes, mapped as Linux's icmpv6_err_convert does.
    private static TcpIcmpError TcpErrorFor(in Icmpv6Repr icmp) => icmp.Type switch
    {
        Icmpv6Type.TimeExceeded => TcpIcmpError.TimeExceeded,
        Icmpv6Type.ParameterProblem => TcpIcmpError.ParameterProblem, // EPROTO, fatal
        _ => (Icmpv6UnreachableCode)icmp.Code switch
        {
            Icmpv6UnreachableCode.NoRoute => TcpIcmpError.NetworkUnreachable,
            Icmpv6UnreachableCode.PortUnreachable => TcpIcmpError.PortUnreachable,
            Icmpv6UnreachableCode.AdministrativelyProhibited or Icmpv6UnreachableCode.SourcePolicyFailed or Icmpv6UnreachableCode.RejectRoute
                => TcpIcmpError.AdministrativelyProhibited,
            _ => TcpIcmpError.HostUnreachable,
        },
    };

    private static SocketError UdpSocketErrorFor(in Icmpv6Repr icmp) => icmp.Type switch
    {
        Icmpv6Type.TimeExceeded => SocketError.HostUnreachable,
        Icmpv6Type.ParameterProblem => SocketError.ProtocolNotSupported,
        _ => (Icmpv6UnreachableCode)icmp.Code switch
        {
            Icmpv6UnreachableCode.NoRoute => SocketError.NetworkUnreachable,
            Icmpv6UnreachableCode.PortUnreachable => SocketError.ConnectionRefused,
            _ => SocketError.HostUnreachable,
        },
    };

    /// <summary>Transports hook here to lower the MSS of live connections to <paramref name="destination"/>.</summary>
    partial void OnPathMtuLowered(Instant now, IPv6Address destination, int mtu);

    private static PingStatus PingStatusFor(in Icmpv6Repr icmp) => icmp.Type switch
    {
        Icmpv6Type.TimeExceeded => PingStatus.TimeExceeded,
        Icmpv6Type.PacketTooBig => PingStatus.PacketTooBig,
        Icmpv6Type.DestinationUnreachable => (Icmpv6UnreachableCode)icmp.Code switch
        {
            Icmpv6UnreachableCode.NoRoute => PingStatus.NetworkUnreachable,
            Icmpv6UnreachableCode.AddressUnreachable => PingStatus.HostUnreachable,
            _ => PingStatus.DestinationUnreachable,
        },
        _ => PingStatus.DestinationUnreachable,
    };

    /// <summary>
    /// Sends an ICMPv6 error about <paramref name="invoking"/> (a whole packet we received), quoting as much as fits in
    /// 1280 octets (RFC 4443 §2.4 (c)), within the error rate limit (§2.4 (f)); never about an error, nor to a source that
    /// does not name one node (§2.4 (e)).
    /// </summary>
    internal void SendIcmpv6Error(Instant now, Icmpv6Type type, byte code, uint pointerOrMtu, ReadOnlySpan<byte> invoking, bool allowMulticast)
    {
        if (invoking.Length < IPv6Repr.HeaderLength)
            return;
        var to = IPv6Address.Read(invoking[IPv6Packet.Field.Source..]);
        var invokedDestination = IPv6Address.Read(invoking[IPv6Packet.Field.Destination..]);
        if (to.IsUnspecified || to.IsMulticast || (invokedDestination.IsMulticast && !allowMulticast))
            return;
        if (invoking[IPv6Packet.Field.NextHeader] == (byte)IpProtocol.Icmpv6 && invoking.Length > IPv6Repr.HeaderLength
            && invoking[IPv6Repr.HeaderLength] < 128)
            return; // §2.4 (e.1): not about an ICMPv6 error message
        if (!_icmpv6Errors.TryTake(now))
        {
            Drop(DropReason.IcmpRateLimited, "icmpv6", to);
            return;
        }
        int quoteLength = Math.Min(invoking.Length, Icmpv6Repr.MaxErrorLength - Icmpv6Repr.HeaderLength);
        var icmp = type switch
        {
            Icmpv6Type.ParameterProblem => Icmpv6Repr.ParameterProblem((Icmpv6ParameterProblemCode)code, pointerOrMtu, quoteLength),
            Icmpv6Type.PacketTooBig => Icmpv6Repr.PacketTooBig(pointerOrMtu, quoteLength),
            Icmpv6Type.TimeExceeded => Icmpv6Repr.TimeExceeded((Icmpv6TimeExceededCode)code, quoteLength),
            _ => Icmpv6Repr.DestinationUnreachable((Icmpv6UnreachableCode)code, quoteLength),
        };
        var source = invokedDestination.IsMulticast ? SelectSourceAddress(to) : invokedDestination;
        if (source is not { } src || FindAddress(src) is not { IsAssigned: true })
            return;
        var buffer = IPv6PayloadBuffer;
        icmp.Emit(buffer, invoking[..quoteLength], src, to);
        if (IsTracing)
            Trace($"icmpv6 {icmp.Type} code {icmp.Code} to {to}");
        if (SendIPv6(now, src, to, IpProtocol.Icmpv6, icmp.BufferLength) == SendStatus.Sent)
            _counters.Icmpv6Out[(byte)icmp.Type]++;
    }
}
