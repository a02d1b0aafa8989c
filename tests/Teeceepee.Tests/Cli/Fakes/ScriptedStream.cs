namespace Teeceepee.Tests.Cli.Fakes;

/// <summary>
/// A stream that reads a fixed script (in chunks of at most <c>chunk</c> bytes, to cross every
/// parser boundary) and records everything written. Reads after the script return 0 (FIN), or
/// throw when <see cref="ResetAtEnd"/> is set.
/// </summary>
internal sealed class ScriptedStream : Stream
{
    private readonly byte[] _input;
    private readonly int _chunk;
    private int _position;

    public ScriptedStream(byte[] input, int chunk = int.MaxValue)
    {
        _input = input;
        _chunk = chunk;
    }

    /// <summary>Everything written so far.</summary>
    public MemoryStream Written { get; } = new();

    /// <summary>Throw a reset instead of returning end of stream.</summary>
    public bool ResetAtEnd { get; init; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(buffer.Length, _chunk), _input.Length - _position);
        if (n == 0 && ResetAtEnd && buffer.Length > 0)
            throw new IOException("connection reset", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset));
        _input.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Write(byte[] buffer, int offset, int count) => Written.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Written.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Written.Write(buffer, offset, count);
        return Task.CompletedTask;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
