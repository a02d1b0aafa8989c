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

    internal TcpStream(TcpConnection connection) => _connection = connection;

    /// <summary>The connection underneath.</summary>
    public TcpConnection Connection => _connection;

    /// <inheritdoc />
    public override bool CanRead => _disposed == 0;

    /// <inheritdoc />
    public override bool CanWrite => _disposed == 0;

    /// <inheritdoc />
    public override bool CanSeek => false;

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
        return ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    }

    // A continuation on a loop thread (UnsafeInlineCompletions) must not wait: that loop, or another that needs it, is what it would wait for.
    private int ReadOnLoop(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // TryReceive is true with the count, 0 meaning the end of the stream; false when nothing is ready.
        if (TryReceiveWrapped(buffer, out int n))
            return n;
        throw new InvalidOperationException("A synchronous read would block a stack's loop thread (UnsafeInlineCompletions continuations must not block): use ReadAsync.");
    }

    private bool TryReceiveWrapped(Span<byte> buffer, out int n)
    {
        try
        {
            return _connection.TryReceive(buffer, out n);
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
        if (_connection.TryReceive(buffer, out int n) && (n > 0 || buffer.IsEmpty))
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
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
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
            while (queued < buffer.Length && _connection.TrySend(buffer[queued..], out int n) && n > 0)
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
