using System.Net;
using Teeceepee.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>A stack <see cref="TcpListener"/> as an <see cref="IConnectionListener"/>.</summary>
internal sealed class StackListener : IConnectionListener
{
    private readonly TcpListener _listener;

    public StackListener(TcpListener listener) => _listener = listener;

    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    public async ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken) =>
        new StackConnection(await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false));

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
