using System.Net.Sockets;
using Teeceepee.Udp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    internal bool TryBindUdp(int port, out UdpEndpoint? endpoint) => _udp.TryBind(port, Options.UdpReceiveQueueCapacity, out endpoint);

    internal void UnbindUdp(UdpEndpoint endpoint) => _udp.Unbind(endpoint);

    /// <summary>Builds and sends one datagram from <paramref name="endpoint"/> (RFC 768); the socket error to report, or Success.</summary>
    internal SocketError SendUdp(Instant now, UdpEndpoint endpoint, NetAddress destination, ushort port, ReadOnlySpan<byte> data)
    {
        if (endpoint.Closed)
            return SocketError.OperationAborted;
        var error = endpoint.TakeError();
        if (error != SocketError.Success)
            return error;
        if (destination.IsIPv6)
            return SendUdp6(now, endpoint, destination.V6, port, data);
        var udp = new UdpRepr(endpoint.Port, port, data.Length);
        udp.Emit(IPv4PayloadBuffer, data, Address, destination.V4);
        switch (SendIPv4(now, destination.V4, IpProtocol.Udp, udp.BufferLength, endpoint.DontFragment, endpoint.TimeToLive))
        {
            case SendStatus.NoRoute:
                return SocketError.NetworkUnreachable;
            case SendStatus.TooBig:
                return SocketError.MessageSize;
        }
        _counters.UdpDatagramsOut++;
        return SocketError.Success;
    }

    private void ProcessUdp(Instant now, in IPv4Repr ip, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> header, bool broadcast)
    {
        if (!UdpDatagram.TryParse(payload, out var datagram, out var error)
            || !UdpRepr.TryParse(datagram, ip.Source, ip.Destination, _verifyChecksums && !_frameChecksumTrusted, out var udp, out error))
        {
            Drop((DropReason)error, "udp");
            return;
        }
        var endpoint = _udp.Find(udp.DestinationPort);
        if (endpoint is null || !endpoint.Accepts(ip.Source, udp.SourcePort))
        {
            Drop(DropReason.PortUnreachable, "udp", udp.DestinationPort);
            // RFC 1122 §4.1.3.1: SHOULD send port unreachable, never for a broadcast (§3.2.2).
            if (!broadcast)
                SendDestinationUnreachable(now, IcmpUnreachableCode.PortUnreachable, ip.Source, header, payload);
            return;
        }
        var data = datagram.Payload;
        if (endpoint.Waiters.Count > 0)
        {
            var waiter = endpoint.Waiters[0];
            endpoint.Waiters.RemoveAt(0);
            waiter.Deliver(data, ip.Source, udp.SourcePort);
        }
        else if (!endpoint.TryEnqueue(data, ip.Source, udp.SourcePort))
        {
            Drop(DropReason.ReceiveQueueFull, "udp", udp.DestinationPort);
            return;
        }
        _counters.UdpDatagramsIn++;
    }

    private SocketError SendUdp6(Instant now, UdpEndpoint endpoint, IPv6Address destination, ushort port, ReadOnlySpan<byte> data)
    {
        if (!IsIPv6Enabled || SelectSourceAddress(destination) is not { } source)
            return SocketError.NetworkUnreachable;
        if (data.Length > MaxIPv6Payload - UdpRepr.HeaderLength)
            return SocketError.MessageSize;
        var udp = new UdpRepr(endpoint.Port, port, data.Length);
        udp.Emit(IPv6PayloadBuffer, data, source, destination);
        switch (SendIPv6(now, source, destination, IpProtocol.Udp, udp.BufferLength, endpoint.TimeToLive, endpoint.DontFragment))
        {
            case SendStatus.NoRoute:
                return SocketError.NetworkUnreachable;
            case SendStatus.TooBig:
                return SocketError.MessageSize;
        }
        _counters.UdpDatagramsOut++;
        return SocketError.Success;
    }

    /// <summary>A UDP datagram over IPv6 (RFC 768 with RFC 8200 §8.1: the checksum is mandatory).</summary>
    private void ProcessUdp6(Instant now, ReadOnlySpan<byte> packet, int offset, bool multicast)
    {
        var source = IPv6Address.Read(packet[IPv6Packet.Field.Source..]);
        var destination = IPv6Address.Read(packet[IPv6Packet.Field.Destination..]);
        if (!UdpDatagram.TryParse(packet[offset..], out var datagram, out var error)
            || !UdpRepr.TryParse(datagram, source, destination, _verifyChecksums && !_frameChecksumTrusted, out var udp, out error))
        {
            Drop((DropReason)error, "udp");
            return;
        }
        var endpoint = _udp.Find(udp.DestinationPort);
        if (endpoint is null || !endpoint.Accepts(source, udp.SourcePort))
        {
            Drop(DropReason.PortUnreachable, "udp", udp.DestinationPort);
            // RFC 4443 §3.1: port unreachable, never about a multicast destination.
            if (!multicast)
                SendIcmpv6Error(now, Icmpv6Type.DestinationUnreachable, (byte)Icmpv6UnreachableCode.PortUnreachable, 0, packet, allowMulticast: false);
            return;
        }
        var data = datagram.Payload;
        if (endpoint.Waiters.Count > 0)
        {
            var waiter = endpoint.Waiters[0];
            endpoint.Waiters.RemoveAt(0);
            waiter.Deliver(data, source, udp.SourcePort);
        }
        else if (!endpoint.TryEnqueue(data, source, udp.SourcePort))
        {
            Drop(DropReason.ReceiveQueueFull, "udp", udp.DestinationPort);
            return;
        }
        _counters.UdpDatagramsIn++;
    }
}
