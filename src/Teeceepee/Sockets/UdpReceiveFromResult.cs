using System.Net;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>What <see cref="UdpSocket.ReceiveFromAsync"/> returns: the datagram's length and who sent it.</summary>
/// <param name="ReceivedBytes">Octets copied into the caller's buffer.</param>
/// <param name="RemoteAddress">The sender's address.</param>
/// <param name="RemotePort">The sender's port.</param>
/// <param name="Truncated">True when the datagram was longer than the buffer (the rest is lost, like MSG_TRUNC).</param>
public readonly record struct UdpReceiveFromResult(int ReceivedBytes, NetAddress RemoteAddress, ushort RemotePort, bool Truncated)
{
    /// <summary>The sender as an <see cref="IPEndPoint"/> (allocates; the fields above do not).</summary>
    public IPEndPoint RemoteEndPoint => new(RemoteAddress.ToIPAddress(), RemotePort);
}
