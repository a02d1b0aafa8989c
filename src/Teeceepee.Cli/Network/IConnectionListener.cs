using System.Net;

namespace Teeceepee.Cli.Network;

/// <summary>A listening TCP port.</summary>
internal interface IConnectionListener : IAsyncDisposable
{
    /// <summary>The bound address and port.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>Waits for the next established connection.</summary>
    ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken);
}
