using System.Net;
using System.Net.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>A kernel UDP socket (System.Net.Sockets) as an <see cref="IDatagramSocket"/>.</summary>
internal sealed class KernelDatagramSocket : IDatagramSocket
{
    private static readonly IPEndPoint s_any = new(IPAddress.Any, 0);
    private readonly Socket _socket;

    /// <summary>Binds a UDP socket to <paramref name="local"/> (port 0: any free port).</summary>
    public KernelDatagramSocket(IPEndPoint local)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(local);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public async ValueTask SendToAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote, CancellationToken cancellationToken) =>
        await _socket.SendToAsync(datagram, SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);

    public async ValueTask<(int Length, IPEndPoint From)> ReceiveFromAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, s_any, cancellationToken).ConfigureAwait(false);
        return (result.ReceivedBytes, (IPEndPoint)result.RemoteEndPoint);
    }

    public void Dispose() => _socket.Dispose();
}
