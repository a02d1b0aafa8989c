using System.Net;
using Teeceepee.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>A stack <see cref="TcpConnectionListener"/> as an <see cref="IConnectionListener"/>.</summary>
internal sealed class StackListener : IConnectionListener
{
    private readonly TcpConnectionListener _listener;

    public StackListener(TcpConnectionListener listener) => _listener = listener;

    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    public async ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken) =>
        new StackConnection(await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false));

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
