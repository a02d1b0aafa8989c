using System.Net.Sockets;
using Teeceepee.Udp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    internal bool TryBindUdp(int port, out UdpEndpoint? endpoint) => _udp.TryBind(port, Options.UdpReceiveQueueCapacity, out endpoint);

    internal void UnbindUdp(UdpEndpoint endpoint) => _udp.Unbind(endpoint);

    /// <summary>Builds and sends one datagram from <paramref name="endpoint"/> (RFC 768); the socket error to report, or Success.</summary>
    internal SocketError SendUdp(Instant now, UdpEndpoint endpoint, IPv4Address destination, ushort port, ReadOnlySpan<byte> data)
    {
        if (endpoint.Closed)
            return SocketError.OperationAborted;
        var error = endpoint.TakeError();
        if (error != SocketError.Success)
            return error;
        var udp = new UdpRepr(endpoint.Port, port, data.Length);
        udp.Emit(IPv4PayloadBuffer, data, Address, destination);
        switch (SendIPv4(now, destination, IpProtocol.Udp, udp.BufferLength, endpoint.DontFragment, endpoint.TimeToLive))
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
}
