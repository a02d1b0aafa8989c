using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Teeceepee.Sockets;
using Teeceepee.Stack;

namespace Teeceepee.AspNetCore;

/// <summary>
/// One bound endpoint of the Kestrel transport: accepts <see cref="Sockets.TcpConnection"/>s as connection contexts, from
/// one stack's listener or from a group listener on every loop (each connection's pumps then run on its own loop).
/// </summary>
internal sealed class TeeceepeeConnectionListener : IConnectionListener
{
    private readonly TcpConnectionListener? _listener;
    private readonly TcpGroupListener? _groupListener;
    private readonly TeeceepeeTransportOptions _options;
    private readonly MemoryPool<byte> _pool;
    private readonly OutputBlockPool _outputPool;
    private long _nextId;
    private long _accepted;

    public TeeceepeeConnectionListener(NetworkStack stack, IPEndPoint endpoint, TeeceepeeTransportOptions options, MemoryPool<byte> pool, OutputBlockPool outputPool)
    {
        _options = options;
        _pool = pool;
        _outputPool = outputPool;
        // The transport's pumps only move pipe blocks: their continuations may run on the loop thread.
        _listener = new TcpConnectionListener(stack, endpoint, InlineOptions(options));
        _listener.Start(options.Backlog);
        EndPoint = _listener.LocalEndPoint; // the chosen port when Kestrel binds port 0
    }

    public TeeceepeeConnectionListener(NetworkStackGroup group, IPEndPoint endpoint, TeeceepeeTransportOptions options, MemoryPool<byte> pool, OutputBlockPool outputPool)
    {
        _options = options;
        _pool = pool;
        _outputPool = outputPool;
        _groupListener = new TcpGroupListener(group, endpoint, InlineOptions(options));
        try
        {
            _groupListener.Start(options.Backlog);
        }
        catch
        {
            _ = _groupListener.DisposeAsync().AsTask();
            throw;
        }
        EndPoint = _groupListener.LocalEndPoint;
    }

    /// <inheritdoc />
    public EndPoint EndPoint { get; }

    /// <summary>Connections accepted so far by each loop (one entry on a single stack).</summary>
    public IReadOnlyList<long> AcceptedPerLoop => _groupListener?.AcceptedPerLoop ?? [Interlocked.Read(ref _accepted)];

    /// <inheritdoc />
    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = _groupListener is not null
                ? await _groupListener.AcceptAsync(cancellationToken).ConfigureAwait(false)
                : await _listener!.AcceptAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _accepted);
            var context = new TeeceepeeConnectionContext(connection, $"tcp-{Interlocked.Increment(ref _nextId)}", _options, _pool, _outputPool);
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
    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => DisposeAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _groupListener?.DisposeAsync() ?? _listener!.DisposeAsync();

    private static TcpConnectionOptions InlineOptions(TeeceepeeTransportOptions options) =>
        options.ConnectionOptions with { UnsafeInlineCompletions = true };
}
