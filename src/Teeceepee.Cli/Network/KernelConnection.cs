using System.Net;
using System.Net.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>A kernel TCP socket as an <see cref="IConnection"/>.</summary>
internal sealed class KernelConnection : IConnection
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    public KernelConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
    }

    public Stream Stream => _stream;

    public IPEndPoint LocalEndPoint { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already reset or closed: nothing left to half-close.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Abort()
    {
        try
        {
            // SO_LINGER 0 makes close() send RST.
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _stream.Dispose();
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
