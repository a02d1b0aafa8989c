using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Sockets;

/// <summary>
/// A TCP connection on a <see cref="NetworkStack"/>, in the style of System.Net.Sockets: connect,
/// receive and send as <see cref="ValueTask"/>s or through <see cref="GetStream"/>, half-close,
/// graceful close or abort. Thread-safe: every call is posted to the stack's loop, and the data
/// path copies directly between the caller's memory and the TCB's buffers there, allocating
/// nothing per call.
/// </summary>
/// <example>
/// <code>
/// await using var connection = new TcpConnection(stack);
/// await connection.ConnectAsync(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 80));
/// await connection.SendAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray());
/// int n = await connection.ReceiveAsync(buffer);
/// </code>
/// </example>
public sealed class TcpConnection : IAsyncDisposable, IDisposable
{
    private readonly NetworkStack _stack;
    private readonly TcpConnectionCore _core;
    private readonly TcpConfig _config;
    private TcpStream? _stream;
    private int _connectStarted;
    private int _disposed;

    /// <summary>Creates an unconnected connection on <paramref name="stack"/>; call <see cref="ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public TcpConnection(NetworkStack stack, TcpConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ObjectDisposedException.ThrowIf(stack.IsDisposed, stack);
        _stack = stack;
        Options = options ?? TcpConnectionOptions.Default;
        _config = Options.ToConfig(stack.Tcp.DefaultConfig);
        _core = new TcpConnectionCore(stack, Options.UnsafeInlineCompletions);
    }

    /// <summary>An accepted connection (loop thread): takes over <paramref name="tcb"/>.</summary>
    internal TcpConnection(NetworkStack stack, Tcb tcb, TcpConnectionOptions options, bool mapToIPv6 = false)
    {
        _stack = stack;
        Options = options;
        _config = tcb.Config;
        _core = new TcpConnectionCore(stack, Options.UnsafeInlineCompletions);
        _core.Attach(tcb, mapToIPv6);
        _connectStarted = 1;
    }

    /// <summary>The stack the connection runs on.</summary>
    public NetworkStack Stack => _stack;

    /// <summary>The options the connection was made with.</summary>
    public TcpConnectionOptions Options { get; }

    /// <summary>Our address and port; null before connecting.</summary>
    public IPEndPoint? LocalEndPoint => _core.LocalEndPoint;

    /// <summary>The peer's address and port; null before connecting.</summary>
    public IPEndPoint? RemoteEndPoint => _core.RemoteEndPoint;

    /// <summary>The RFC 9293 state as last seen by the loop.</summary>
    public TcpState State => _core.State;

    /// <summary>True while the connection is open in both directions or the peer has only half-closed.</summary>
    public bool Connected => _core.State is TcpState.Established or TcpState.CloseWait or TcpState.FinWait1 or TcpState.FinWait2;

    internal TcpConnectionCore Core => _core;

    /// <summary>
    /// Opens the connection to <paramref name="remoteEndPoint"/> (an IPv4 endpoint); completes when
    /// the handshake does. Fails with <see cref="SocketException"/> (ConnectionRefused, TimedOut,
    /// HostUnreachable, NetworkUnreachable, AddressNotAvailable...); cancellation aborts the attempt.
    /// </summary>
    public ValueTask ConnectAsync(IPEndPoint remoteEndPoint, CancellationToken cancellationToken = default) =>
        ConnectAsync(remoteEndPoint, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>
    /// As <see cref="ConnectAsync(IPEndPoint, CancellationToken)"/>, with <paramref name="initialData"/> queued before the
    /// SYN: with <see cref="TcpConnectionOptions.FastOpen"/> and a cached cookie its first segment rides on the SYN
    /// (RFC 7413 §4.2.1, like sendto with MSG_FASTOPEN); otherwise it is sent after the handshake. At most the send buffer.
    /// </summary>
    public ValueTask ConnectAsync(IPEndPoint remoteEndPoint, ReadOnlyMemory<byte> initialData, CancellationToken cancellationToken = default)
    {
        if (initialData.Length > _config.SendBufferSize)
            throw new ArgumentException("The initial data must fit the send buffer.", nameof(initialData));
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (remoteEndPoint.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException("Only IPv4 and IPv6 endpoints are supported.", nameof(remoteEndPoint));
        if (remoteEndPoint.Port == 0)
            throw new ArgumentOutOfRangeException(nameof(remoteEndPoint), "The remote port must not be 0.");
        if (Interlocked.Exchange(ref _connectStarted, 1) != 0)
            throw new InvalidOperationException("The connection is already connected or connecting; a TcpConnection connects once.");
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled(cancellationToken);
        var operation = new TcpConnectOperation(_core, _config, NetAddress.FromIPAddress(remoteEndPoint.Address), (ushort)remoteEndPoint.Port, initialData);
        return Options.ConnectTimeout is { } timeout
            ? ConnectWithTimeoutAsync(operation, timeout, cancellationToken)
            : operation.StartUntyped(_stack, cancellationToken);
    }

    /// <summary>
    /// Opens the connection to <paramref name="host"/>:<paramref name="port"/>: an IPv4 or IPv6 literal directly, a name through
    /// <see cref="TcpConnectionOptions.Resolver"/> or else the stack's <see cref="NetworkStack.HostResolver"/> (the first
    /// address), then as <see cref="ConnectAsync(IPEndPoint, CancellationToken)"/>. Resolution failures are the resolver's
    /// <see cref="SocketException"/> (HostNotFound, TryAgain...).
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="host"/> is a name and no resolver was given.</exception>
    public ValueTask ConnectAsync(string host, int port, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // A literal of either family ("2001:db8::1" or, as in URLs, "[2001:db8::1]") needs no resolver.
        var unbracketed = host is ['[', .., ']'] ? host[1..^1] : host;
        if (IPAddress.TryParse(unbracketed, out var literal))
            return ConnectAsync(new IPEndPoint(literal, port), cancellationToken);
        var resolver = Options.Resolver ?? _stack.HostResolver
            ?? throw new InvalidOperationException($"Cannot resolve '{host}': give the stack a resolver (NetworkStack.HostResolver, e.g. a DnsResolver) or the connection one (TcpConnectionOptions.Resolver).");
        return ResolveAndConnectAsync(resolver, host, port, cancellationToken);
    }

    private async ValueTask ResolveAndConnectAsync(IHostResolver resolver, string host, int port, CancellationToken cancellationToken)
    {
        var address = await resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        await ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask ConnectWithTimeoutAsync(TcpConnectOperation operation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, _stack.Options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await operation.Start(_stack, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/>, waiting until at least one byte is ready; returns 0
    /// at the peer's FIN (or after <see cref="Shutdown"/> of receiving). A zero-length buffer waits
    /// for data without consuming it. Fails with ConnectionReset, TimedOut... as <see cref="SocketException"/>.
    /// </summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReceiveAsync(buffer, stream: false, cancellationToken);

    /// <summary>
    /// Receives up to <paramref name="maxLength"/> bytes into an array the stack rents from its buffer pool
    /// only once data is there: while the call waits it holds no memory
    /// (as a zero-length <see cref="ReceiveAsync(Memory{byte}, CancellationToken)"/> would), and data arriving meanwhile
    /// is copied once, from the link's frame into the array. Dispose the result to return the array; an empty result
    /// (<see cref="TcpReceivedBuffer.IsEndOfStream"/>) is the peer's FIN. Fails as <see cref="ReceiveAsync(Memory{byte}, CancellationToken)"/> does.
    /// </summary>
    public ValueTask<TcpReceivedBuffer> ReceivePooledAsync(int maxLength = DefaultPooledReceiveLength, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<TcpReceivedBuffer>(cancellationToken);
        return LoopOperationPool<TcpPooledReceiveOperation>.Rent().Start(_stack, _core, maxLength, stream: false, cancellationToken);
    }

    /// <summary>The default most bytes one <see cref="ReceivePooledAsync"/> returns (256 KiB).</summary>
    public const int DefaultPooledReceiveLength = 256 * 1024;

    /// <summary>
    /// Queues all of <paramref name="buffer"/> for sending, waiting for send-buffer space as needed;
    /// completes with its length once every byte is in the send buffer (not yet acknowledged).
    /// </summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        SendAsync(buffer, stream: false, cancellationToken);

    /// <summary>
    /// Queues every block of <paramref name="buffers"/> in order (a pipe's <see cref="ReadOnlySequence{T}"/>), as one
    /// operation on the loop: each block is copied straight into the send buffer, none is gathered first; completes
    /// with the total length once all are queued. At most <see cref="int.MaxValue"/> bytes.
    /// </summary>
    public ValueTask<int> SendAsync(ReadOnlySequence<byte> buffers, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buffers.Length, int.MaxValue, nameof(buffers));
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        return LoopOperationPool<TcpSendOperation>.Rent().Start(_stack, _core, buffers, stream: false, cancellationToken);
    }

    internal ValueTask<int> ReceiveAsync(Memory<byte> buffer, bool stream, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        return LoopOperationPool<TcpReceiveOperation>.Rent().Start(_stack, _core, buffer, stream, cancellationToken);
    }

    internal ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, bool stream, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<int>(cancellationToken);
        return LoopOperationPool<TcpSendOperation>.Rent().Start(_stack, _core, buffer, stream, cancellationToken);
    }

    /// <summary>
    /// Receives what has arrived, without waiting for data: true with the byte count (0 at end of stream), false when
    /// nothing has arrived yet. Synchronous, not a non-blocking <c>Try</c> method: the receive buffer belongs to the
    /// stack's loop, so off the loop thread the call waits for the loop to run it (one turn, however busy the loop is);
    /// on the loop thread (inline completions) it runs at once. Off the loop it allocates its command.
    /// </summary>
    public unsafe bool ReceiveAvailable(Span<byte> buffer, out int bytesReceived)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        SocketError error;
        fixed (byte* data = buffer)
            error = TcpControlOperation.Transfer(_stack, _core, data, buffer.Length, receive: true, out bytesReceived);
        return Check(error);
    }

    /// <summary>
    /// Queues as much of <paramref name="buffer"/> as the send buffer has room for, without waiting for space: true with
    /// the bytes queued, false when the send buffer is full. Synchronous like <see cref="ReceiveAvailable"/>: off the loop
    /// thread it waits for the loop to run it (not for space).
    /// </summary>
    public unsafe bool SendAvailable(ReadOnlySpan<byte> buffer, out int bytesSent)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        SocketError error;
        fixed (byte* data = buffer)
            error = TcpControlOperation.Transfer(_stack, _core, data, buffer.Length, receive: false, out bytesSent);
        return Check(error);
    }

    private static bool Check(SocketError error) => error switch
    {
        SocketError.Success => true,
        SocketError.WouldBlock => false,
        _ => throw new SocketException((int)error),
    };

    /// <summary>
    /// Half-closes: <see cref="SocketShutdown.Send"/> sends a FIN after the queued data (receiving
    /// continues); <see cref="SocketShutdown.Receive"/> makes reads return 0.
    /// </summary>
    public void Shutdown(SocketShutdown how)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (how is not (SocketShutdown.Send or SocketShutdown.Receive or SocketShutdown.Both))
            throw new ArgumentOutOfRangeException(nameof(how));
        if (Volatile.Read(ref _connectStarted) == 0)
            throw new SocketException((int)SocketError.NotConnected);
        TcpControlOperation.Shutdown(_stack, _core, how);
    }

    /// <summary>
    /// A <see cref="Stream"/> over the connection (errors as <see cref="IOException"/> wrapping
    /// <see cref="SocketException"/>); disposing the stream closes the connection.
    /// </summary>
    public TcpStream GetStream()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _stream ??= new TcpStream(this);
    }

    /// <summary>State, congestion window, RTT, RTO, retransmits and byte counts, like <c>ss -ti</c>.</summary>
    public TcpConnectionInfo GetInfo()
    {
        var info = _stack.IsDisposed ? new TcpInfo { State = _core.State } : TcpControlOperation.Info(_stack, _core);
        return new TcpConnectionInfo(LocalEndPoint, RemoteEndPoint, info);
    }

    /// <summary>Resets the connection (RST in a synchronized state, RFC 9293 §3.10.5) and releases it; waiting calls fail with OperationAborted.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _stack.IsDisposed)
            return;
        TcpControlOperation.CloseNoWait(_stack, _core, abort: true);
    }

    /// <summary>
    /// Graceful close (RFC 9293 §3.10.4): queued data and then a FIN still go out in the background;
    /// waiting calls fail with OperationAborted. Unread received data turns the close into a reset,
    /// as on Linux. Completes once the loop has taken the close.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _stack.IsDisposed)
            return;
        try
        {
            await TcpControlOperation.Close(_stack, _core, abort: false).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The stack went away meanwhile: nothing left to close.
        }
    }

    /// <summary>Graceful close without waiting for the loop (see <see cref="DisposeAsync"/>).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _stack.IsDisposed)
            return;
        TcpControlOperation.CloseNoWait(_stack, _core, abort: false);
    }

    /// <inheritdoc />
    public override string ToString() => $"tcp {LocalEndPoint?.ToString() ?? "-"} -> {RemoteEndPoint?.ToString() ?? "-"} {State}";
}
