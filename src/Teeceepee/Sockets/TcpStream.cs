using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Teeceepee.Stack;
using Teeceepee.Stack.Loop;

namespace Teeceepee.Sockets;

/// <summary>
/// A <see cref="Stream"/> over a <see cref="TcpConnection"/>, like <see cref="NetworkStream"/>:
/// reads return 0 at the peer's FIN, failures surface as <see cref="IOException"/> wrapping the
/// <see cref="SocketException"/>, and disposing the stream closes the connection gracefully.
/// </summary>
public sealed class TcpStream : Stream
{
    private readonly TcpConnection _connection;
    private int _disposed;
    private int _readTimeout = Timeout.Infinite;
    private int _writeTimeout = Timeout.Infinite;

    internal TcpStream(TcpConnection connection) => _connection = connection;

    /// <summary>The connection underneath.</summary>
    public TcpConnection Connection => _connection;

    /// <inheritdoc />
    public override bool CanRead => _disposed == 0;

    /// <inheritdoc />
    public override bool CanWrite => _disposed == 0;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <summary>True: synchronous reads and writes honour <see cref="ReadTimeout"/> and <see cref="WriteTimeout"/>.</summary>
    public override bool CanTimeout => true;

    /// <summary>
    /// Milliseconds a synchronous <see cref="Read(byte[], int, int)"/> waits for data before it fails with an
    /// <see cref="IOException"/> wrapping <see cref="SocketException"/> (TimedOut), like <see cref="NetworkStream"/>;
    /// <see cref="Timeout.Infinite"/> (the default) waits for ever. Asynchronous reads take a cancellation token instead.
    /// </summary>
    public override int ReadTimeout
    {
        get => _readTimeout;
        set => _readTimeout = CheckTimeout(value);
    }

    /// <summary>
    /// Milliseconds a synchronous <see cref="Write(byte[], int, int)"/> waits for send-buffer space before it fails with
    /// an <see cref="IOException"/> wrapping <see cref="SocketException"/> (TimedOut); part of the data may have been
    /// queued by then. <see cref="Timeout.Infinite"/> (the default) waits for ever.
    /// </summary>
    public override int WriteTimeout
    {
        get => _writeTimeout;
        set => _writeTimeout = CheckTimeout(value);
    }

    // As NetworkStream: a positive number of milliseconds, or Infinite; 0 is refused.
    private static int CheckTimeout(int value)
    {
        if (value <= 0 && value != Timeout.Infinite)
            throw new ArgumentOutOfRangeException(nameof(value), value, "A timeout is a positive number of milliseconds or Timeout.Infinite.");
        return value;
    }

    // Waits for a blocking call, failing like NetworkStream when its timeout passes first.
    private static T WaitWithTimeout<T>(Func<CancellationToken, ValueTask<T>> start, int timeout)
    {
        if (timeout == Timeout.Infinite)
            return start(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            return start(timer.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            var inner = new SocketException((int)SocketError.TimedOut);
            throw new IOException($"Unable to transfer data on the transport connection: {inner.Message}", inner);
        }
    }

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _connection.ReceiveAsync(buffer, stream: true, cancellationToken);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        if (NetworkStack.OnAnyLoopThread)
            return ReadOnLoop(buffer.AsSpan(offset, count));
        return WaitWithTimeout(ct => ReadAsync(buffer.AsMemory(offset, count), ct), _readTimeout);
    }

    // A continuation on a loop thread (UnsafeInlineCompletions) must not wait: that loop, or another that needs it, is what it would wait for.
    private int ReadOnLoop(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // ReceiveAvailable is true with the count, 0 meaning the end of the stream; false when nothing is ready.
        if (ReceiveAvailableWrapped(buffer, out int n))
            return n;
        throw new InvalidOperationException("A synchronous read would block a stack's loop thread (UnsafeInlineCompletions continuations must not block): use ReadAsync.");
    }

    private bool ReceiveAvailableWrapped(Span<byte> buffer, out int n)
    {
        try
        {
            return _connection.ReceiveAvailable(buffer, out n);
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (NetworkStack.OnAnyLoopThread)
            return ReadOnLoop(buffer);
        if (_connection.ReceiveAvailable(buffer, out int n) && (n > 0 || buffer.IsEmpty))
            return n;
        // Nothing ready (or end of stream, which the blocking path reports again): wait through a temporary array.
        byte[] temp = new byte[buffer.Length];
        n = Read(temp, 0, temp.Length);
        temp.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var task = _connection.SendAsync(buffer, stream: true, cancellationToken);
        if (task.IsCompletedSuccessfully)
        {
            _ = task.Result;
            return ValueTask.CompletedTask;
        }
        return AwaitWrite(task);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask AwaitWrite(ValueTask<int> task) => await task.ConfigureAwait(false);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        if (NetworkStack.OnAnyLoopThread)
        {
            WriteOnLoop(buffer.AsSpan(offset, count));
            return;
        }
        WaitWithTimeout(async ct =>
        {
            await WriteAsync(buffer.AsMemory(offset, count), ct).ConfigureAwait(false);
            return true;
        }, _writeTimeout);
    }

    /// <inheritdoc />
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (NetworkStack.OnAnyLoopThread)
        {
            WriteOnLoop(buffer);
            return;
        }
        Write(buffer.ToArray(), 0, buffer.Length);
    }

    // On the loop thread a write may only take what the send buffer holds now (see ReadOnLoop).
    private void WriteOnLoop(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int queued = 0;
        try
        {
            while (queued < buffer.Length && _connection.SendAvailable(buffer[queued..], out int n) && n > 0)
                queued += n;
        }
        catch (SocketException e)
        {
            throw new IOException(e.Message, e);
        }
        if (queued < buffer.Length)
            throw new InvalidOperationException($"A synchronous write would block a stack's loop thread (UnsafeInlineCompletions continuations must not block; {queued} of {buffer.Length} bytes were queued): use WriteAsync.");
    }

    /// <summary>Nothing to do: written data is already in the connection's send buffer, which TCP drains on its own.</summary>
    public override void Flush() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing)
            _connection.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            await _connection.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
