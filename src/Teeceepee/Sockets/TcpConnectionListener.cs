using System.Net;
using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>
/// Listens for TCP connections on a <see cref="NetworkStack"/>, in the style of
/// <see cref="System.Net.Sockets.TcpListener"/>: <see cref="Start"/>, then <see cref="AcceptAsync"/>
/// established connections (the SYN and accept queues live in the stack, bounded by the backlog).
/// Thread-safe: every call is posted to the stack's loop.
/// </summary>
public sealed class TcpConnectionListener : IAsyncDisposable, IDisposable
{
    private readonly NetworkStack _stack;
    private readonly TcpListenerCore _core;
    private readonly TcpConfig _config;
    private TcpEndpoint _local;
    private int _started;
    private int _disposed;

    /// <summary>
    /// A listener for <paramref name="localEndPoint"/> (address <see cref="IPAddress.Any"/> or the
    /// stack's own; port 1..65535, or 0 for a free ephemeral port chosen by <see cref="Start"/>); accepted connections get <paramref name="options"/>.
    /// </summary>
    public TcpConnectionListener(NetworkStack stack, IPEndPoint localEndPoint, TcpConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ObjectDisposedException.ThrowIf(stack.IsDisposed, stack);
        if (localEndPoint.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException("Only IPv4 and IPv6 endpoints are supported.", nameof(localEndPoint));
        if (localEndPoint.Port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(localEndPoint), "The port must be 0..65535.");
        _stack = stack;
        options ??= TcpConnectionOptions.Default;
        _config = options.ToConfig(stack.Tcp.DefaultConfig);
        _local = new TcpEndpoint(NetAddress.FromIPAddress(localEndPoint.Address), (ushort)localEndPoint.Port);
        _core = new TcpListenerCore(stack, options);
        LocalEndPoint = localEndPoint;
    }

    /// <summary>The endpoint listened on; after <see cref="Start"/> it carries the chosen port when port 0 was asked for.</summary>
    public IPEndPoint LocalEndPoint { get; private set; }

    /// <summary>True between <see cref="Start"/> and <see cref="Stop"/>.</summary>
    public bool Active => _started != 0 && _disposed == 0;

    /// <summary>Starts listening with an accept queue of <paramref name="backlog"/> connections.</summary>
    /// <exception cref="SocketException">AddressAlreadyInUse when another listener holds the endpoint.</exception>
    public void Start(int backlog = 128)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(backlog, 1);
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("The listener is already started.");
        try
        {
            int port = TcpListenerControlOperation.Listen(_stack, _core, _local, backlog, _config);
            if (port != _local.Port)
            {
                _local = _local with { Port = (ushort)port };
                LocalEndPoint = new IPEndPoint(LocalEndPoint.Address, port);
            }
        }
        catch
        {
            _started = 0;
            throw;
        }
    }

    /// <summary>
    /// Waits for the next established connection. Fails with <see cref="SocketException"/>
    /// (OperationAborted) when the listener stops; cancellation leaves the queue untouched.
    /// </summary>
    public ValueTask<TcpConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_started == 0)
            throw new InvalidOperationException("Call Start before AcceptAsync.");
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<TcpConnection>(cancellationToken);
        return LoopOperationPool<TcpAcceptOperation>.Rent().Start(_stack, _core, cancellationToken);
    }

    /// <summary>Stops listening: connections not yet accepted are reset, waiting accepts fail with OperationAborted.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _stack.IsDisposed)
            return;
        TcpListenerControlOperation.StopNoWait(_stack, _core);
    }

    /// <summary>Same as <see cref="Stop"/>.</summary>
    public void Dispose() => Stop();

    /// <summary>Stops listening and waits until the loop has done so.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _stack.IsDisposed)
            return;
        try
        {
            await TcpListenerControlOperation.Stop(_stack, _core).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The stack went away meanwhile.
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"tcp listen {LocalEndPoint}";
}
