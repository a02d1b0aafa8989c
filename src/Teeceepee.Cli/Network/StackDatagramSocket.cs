using System.Net;
using Teeceepee.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>The stack's <see cref="UdpSocket"/> as an <see cref="IDatagramSocket"/>.</summary>
internal sealed class StackDatagramSocket(UdpSocket socket) : IDatagramSocket
{
    public IPEndPoint LocalEndPoint => socket.LocalEndPoint;

    public async ValueTask SendToAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken) =>
        await socket.SendToAsync(datagram, remote, cancellationToken).ConfigureAwait(false);

    public async ValueTask<(int Length, IPEndPoint From)> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await socket.ReceiveFromAsync(buffer, cancellationToken).ConfigureAwait(false);
        return (result.ReceivedBytes, result.RemoteEndPoint);
    }

    public void Dispose() => socket.Dispose();
}
