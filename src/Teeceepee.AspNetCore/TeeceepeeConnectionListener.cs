using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Teeceepee.Sockets;
using Teeceepee.Stack;

namespace Teeceepee.AspNetCore;

/// <summary>One bound endpoint of the Kestrel transport: accepts <see cref="Sockets.TcpConnection"/>s as connection contexts.</summary>
internal sealed class TeeceepeeConnectionListener : IConnectionListener
{
    private readonly TcpConnectionListener _listener;
    private readonly TeeceepeeTransportOptions _options;
    private readonly MemoryPool<byte> _pool;
    private long _nextId;

    public TeeceepeeConnectionListener(NetworkStack stack, IPEndPoint endpoint, TeeceepeeTransportOptions options, MemoryPool<byte> pool)
    {
        _options = options;
        _pool = pool;
        // The transport's pumps only move pipe blocks: their continuations may run on the loop thread.
        _listener = new TcpConnectionListener(stack, endpoint, options.ConnectionOptions with { UnsafeInlineCompletions = true });
        _listener.Start(options.Backlog);
        EndPoint = _listener.LocalEndPoint; // the chosen port when Kestrel binds port 0
    }

    /// <inheritdoc />
    public EndPoint EndPoint { get; }

    /// <inheritdoc />
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            var context = new TeeceepeeConnectionContext(connection, $"tcp-{Interlocked.Increment(ref _nextId)}", _options, _pool);
            context.Start();
            return context;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
        {
            return null; // unbound
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => _listener.DisposeAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
