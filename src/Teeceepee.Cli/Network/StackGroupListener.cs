using System.Net;
using Teeceepee.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>A <see cref="TcpGroupListener"/> (one listener shared by every loop, --loops) as an <see cref="IConnectionListener"/>.</summary>
internal sealed class StackGroupListener : IConnectionListener
{
    private readonly TcpGroupListener _listener;

    public StackGroupListener(TcpGroupListener listener) => _listener = listener;

    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    public async ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken) =>
        new StackConnection(await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false));

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
