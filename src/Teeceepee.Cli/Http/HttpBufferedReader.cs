using System.Buffers;
using System.Text;

namespace Teeceepee.Cli.Http;

/// <summary>
/// Reads HTTP/1.1 lines and body bytes from a stream through one pooled buffer. Bytes read past a
/// message stay buffered for the next one (pipelined requests, keep-alive).
/// </summary>
internal sealed class HttpBufferedReader : IDisposable
{
    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public HttpBufferedReader(Stream stream, int bufferSize = 16 * 1024)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
    }

    /// <summary>Bytes read from the stream but not consumed yet.</summary>
    public int Buffered => _end - _start;

    /// <summary>
    /// Reads one line without its CRLF (a bare LF is accepted, RFC 9112 §2.2). Returns null at a
    /// clean end of stream. Throws <see cref="HttpParseException"/> for a line longer than
    /// <paramref name="maxLength"/> or a stream that ends inside a line.
    /// </summary>
    public async ValueTask<string?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        int scanned = 0;
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (newline >= 0)
            {
                int length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                    length--;
                if (length > maxLength)
                    throw new HttpParseException($"line longer than {maxLength} bytes");
                // Latin-1: header bytes map 1:1 to chars (RFC 9110 §5.5, obs-text).
                string line = Encoding.Latin1.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }
            scanned = _end - _start;
            if (scanned > maxLength + 1)
                throw new HttpParseException($"line longer than {maxLength} bytes");
            if (await FillAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                if (_end == _start)
                    return null;
                throw new HttpParseException("connection closed in the middle of a line");
            }
        }
    }

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes, buffered ones first; 0 at end of stream.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
            return 0;
        if (_end > _start)
        {
            int n = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(destination.Span);
            _start += n;
            return n;
        }
        return await _stream.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    // Compacts, then reads more into the free tail; grows the buffer when it is full of one line.
    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
            Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        int n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _start = _end = 0;
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
