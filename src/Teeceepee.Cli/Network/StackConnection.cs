using System.Net;
using System.Net.Sockets;
using Teeceepee.Sockets;
using Teeceepee.Tcp;

namespace Teeceepee.Cli.Network;

/// <summary>A stack <see cref="TcpConnection"/> as an <see cref="IConnection"/>.</summary>
internal sealed class StackConnection : IConnection
{
    private readonly TcpConnection _connection;
    private readonly TcpStream _stream;

    public StackConnection(TcpConnection connection)
    {
        _connection = connection;
        _stream = connection.GetStream();
        LocalEndPoint = connection.LocalEndPoint ?? new IPEndPoint(IPAddress.Any, 0);
        RemoteEndPoint = connection.RemoteEndPoint ?? new IPEndPoint(IPAddress.Any, 0);
    }

    public Stream Stream => _stream;

    /// <summary>The stack connection itself (receives into pooled buffers, <see cref="TcpConnection.ReceivePooledAsync"/>).</summary>
    public TcpConnection Connection => _connection;

    public IPEndPoint LocalEndPoint { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public void ShutdownSend()
    {
        try
        {
            _connection.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Already reset or closed: nothing left to half-close.
        }
    }

    public void Abort() => _connection.Abort();

    public TcpInfo? GetTcpInfo()
    {
        try
        {
            return _connection.GetInfo().Tcp;
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or SocketException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
