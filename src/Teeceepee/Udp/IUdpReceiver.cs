using System.Net.Sockets;
using Teeceepee.Wire;

namespace Teeceepee.Udp;

/// <summary>A receive call waiting on a <see cref="UdpEndpoint"/> (the socket layer's operation): handed the next datagram or error (loop thread).</summary>
internal interface IUdpReceiver
{
    /// <summary>Takes a datagram (copies what it wants of <paramref name="payload"/>, which is valid only during the call) and completes.</summary>
    void Deliver(ReadOnlySpan<byte> payload, NetAddress source, ushort sourcePort);

    /// <summary>Completes with an error: an ICMP report (RFC 1122 §4.1.3.3) or the endpoint closing (<see cref="SocketError.OperationAborted"/>).</summary>
    void Fail(SocketError error);
}
