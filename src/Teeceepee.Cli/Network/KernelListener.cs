using System.Net;
using System.Net.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>A kernel listening socket.</summary>
internal sealed class KernelListener : IConnectionListener
{
    private readonly Socket _socket;

    public KernelListener(Socket socket)
    {
        _socket = socket;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public async ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        var socket = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        socket.NoDelay = true;
        return new KernelConnection(socket);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
