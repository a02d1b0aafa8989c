using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Teeceepee.Stack;

namespace Teeceepee.Sockets;

/// <summary>
/// A listener shared by every loop of a <see cref="NetworkStackGroup"/>, like <c>SO_REUSEPORT</c> across threads: each
/// loop listens on the endpoint and accepts the SYNs of the flows it owns into its own SYN and accept queues; the
/// connections they complete meet in one queue that <see cref="AcceptAsync"/> takes from (bounded by the backlog,
/// so a slow application pushes back on the loops' accept queues). Thread-safe.
/// </summary>
public sealed class TcpGroupListener : IAsyncDisposable
{
    private readonly NetworkStackGroup _group;
    private readonly TcpConnectionOptions? _options;
    private readonly CancellationTokenSource _stop = new();
    private TcpConnectionListener[] _listeners = [];
    private Channel<TcpConnection>? _accepted;
    private Task[] _pumps = [];
    private long[] _acceptedPerLoop = [];
    private int _disposed;

    /// <summary>A listener for <paramref name="localEndPoint"/> on every loop (port 0: one free port, the same on all).</summary>
    public TcpGroupListener(NetworkStackGroup group, IPEndPoint localEndPoint, TcpConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(localEndPoint);
        _group = group;
        _options = options;
        LocalEndPoint = localEndPoint;
    }

    /// <summary>The endpoint listened on (with the chosen port after <see cref="Start"/> when port 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; private set; }

    /// <summary>Connections each loop has accepted so far, loop 0 first.</summary>
    public IReadOnlyList<long> AcceptedPerLoop => [.. _acceptedPerLoop];

    /// <summary>Starts listening on every loop, each with an accept queue of <paramref name="backlog"/>.</summary>
    /// <exception cref="SocketException">AddressAlreadyInUse when another listener holds the endpoint on a loop.</exception>
    public void Start(int backlog = 128)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        if (_accepted is not null)
            throw new InvalidOperationException("The listener is already started.");
        var listeners = new List<TcpConnectionListener>(_group.Count);
        try
        {
            var endPoint = LocalEndPoint;
            foreach (var stack in _group.Stacks)
            {
                // Loop 0 picks the port when asked for 0 (from its slice of the ephemeral range); the others take the same.
                var listener = new TcpConnectionListener(stack, endPoint, _options);
                listeners.Add(listener);
                listener.Start(backlog);
                endPoint = listener.LocalEndPoint;
            }
            LocalEndPoint = endPoint;
        }
        catch
        {
            foreach (var listener in listeners)
                listener.Stop();
            throw;
        }
        _listeners = [.. listeners];
        _acceptedPerLoop = new long[_listeners.Length];
        _accepted = Channel.CreateBounded<TcpConnection>(new BoundedChannelOptions(backlog) { SingleWriter = false, SingleReader = false });
        _pumps = new Task[_listeners.Length];
        for (int i = 0; i < _listeners.Length; i++)
            _pumps[i] = PumpAsync(i);
    }

    /// <summary>Waits for the next connection any loop completed; <see cref="SocketException"/> (OperationAborted) once stopped.</summary>
    public async ValueTask<TcpConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var accepted = _accepted ?? throw new InvalidOperationException("Call Start before AcceptAsync.");
        try
        {
            return await accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw e.InnerException is SocketException socket ? socket : new SocketException((int)SocketError.OperationAborted);
        }
    }

    // One per loop: moves what that loop's listener accepts into the shared queue.
    private async Task PumpAsync(int loop)
    {
        var listener = _listeners[loop];
        var writer = _accepted!.Writer;
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _acceptedPerLoop[loop]);
                if (writer.TryWrite(connection))
                    continue;
                try
                {
                    await writer.WriteAsync(connection, _stop.Token).ConfigureAwait(false);
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException or ObjectDisposedException
            || e is SocketException { SocketErrorCode: SocketError.OperationAborted })
        {
            // Stopped.
        }
        catch (Exception e)
        {
            // A loop died (its link failed): whoever accepts learns why.
            writer.TryComplete(e);
        }
    }

    /// <summary>Stops listening on every loop; connections accepted but not taken are closed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stop.Cancel();
        foreach (var listener in _listeners)
            await listener.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_pumps).ConfigureAwait(false);
        if (_accepted is not null)
        {
            _accepted.Writer.TryComplete();
            while (_accepted.Reader.TryRead(out var connection))
                await connection.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"tcp listen {LocalEndPoint} on {_group.Count} loops";
}
