using System.Net;
using Teeceepee.Sockets;

namespace Teeceepee.Cli.Network;

/// <summary>
/// A stack connection opened with TCP Fast Open (RFC 7413 §4.2.1), like the kernel's TCP_FASTOPEN_CONNECT: nothing is
/// sent until the first write, whose octets go into the SYN when a cookie for the server is cached (otherwise the SYN
/// asks for a cookie and the octets follow the handshake). Reads wait for the handshake. Disposing closes the connection.
/// </summary>
internal sealed class FastOpenStream : Stream
{
    private readonly TcpConnection _connection;
    private readonly IPEndPoint _remote;
    private readonly Action? _connected;
    private readonly TaskCompletionSource<Stream> _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Stream? _inner;
    private int _connecting;
    private int _disposed;

    public FastOpenStream(TcpConnection connection, IPEndPoint remote, Action? connected)
    {
        _connection = connection;
        _remote = remote;
        _connected = connected;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_inner is { } inner)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (Interlocked.Exchange(ref _connecting, 1) == 0)
        {
            await ConnectAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }
        await (await _open.Task.WaitAsync(cancellationToken).ConfigureAwait(false)).WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var inner = _inner ?? await _open.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    // Nothing buffered here: before the connect there is nothing to push, after it the connection's stream sends at once.
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The active open, with the first write's octets queued before the SYN.</summary>
    private async Task ConnectAsync(ReadOnlyMemory<byte> firstWrite, CancellationToken cancellationToken)
    {
        try
        {
            await _connection.ConnectAsync(_remote, firstWrite, cancellationToken).ConfigureAwait(false);
            _connected?.Invoke();
            _inner = _connection.GetStream();
            _open.TrySetResult(_inner);
        }
        catch (Exception e)
        {
            _open.TrySetException(e);
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _open.TrySetException(new ObjectDisposedException(nameof(FastOpenStream)));
            _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _open.TrySetException(new ObjectDisposedException(nameof(FastOpenStream)));
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
