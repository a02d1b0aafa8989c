using System.Globalization;

namespace Teeceepee.Cli.Http;

/// <summary>Copies a message body of a given framing from a reader to a destination.</summary>
internal static class HttpBody
{
    private const int MaxChunkLine = 4096;

    /// <summary>
    /// Copies the body to <paramref name="destination"/> (null: discard) through <paramref name="buffer"/>
    /// and returns the number of body bytes. Errors: <see cref="HttpParseException"/> (bad chunk
    /// framing), <see cref="BodyEndedEarlyException"/> (closed early), <see cref="BodyWriteException"/>
    /// (the destination failed); network errors pass through.
    /// </summary>
    public static async ValueTask<long> CopyAsync(HttpBufferedReader reader, BodyFraming framing, long contentLength, Stream? destination, byte[] buffer, CancellationToken cancellationToken)
    {
        switch (framing)
        {
            case BodyFraming.None:
                return 0;
            case BodyFraming.ContentLength:
                await CopyExactlyAsync(reader, contentLength, destination, buffer, cancellationToken).ConfigureAwait(false);
                return contentLength;
            case BodyFraming.UntilClose:
                long total = 0;
                while (true)
                {
                    int n = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                        return total;
                    await WriteAsync(destination, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    total += n;
                }
            case BodyFraming.Chunked:
                return await CopyChunkedAsync(reader, destination, buffer, cancellationToken).ConfigureAwait(false);
            default:
                throw new ArgumentOutOfRangeException(nameof(framing));
        }
    }

    // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; last-chunk = 1*"0" ...; then trailers and CRLF.
    private static async ValueTask<long> CopyChunkedAsync(HttpBufferedReader reader, Stream? destination, byte[] buffer, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            string line = await reader.ReadLineAsync(MaxChunkLine, cancellationToken).ConfigureAwait(false)
                ?? throw new BodyEndedEarlyException("connection closed before the last chunk");
            int semicolon = line.IndexOf(';', StringComparison.Ordinal);
            var sizeText = (semicolon >= 0 ? line.AsSpan(0, semicolon) : line.AsSpan()).Trim(" \t");
            if (sizeText.IsEmpty || sizeText.Length > 15
                || !long.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long size) || size < 0)
                throw new HttpParseException($"bad chunk size line '{(line.Length > 40 ? line[..40] : line)}'");
            if (size == 0)
                break;
            await CopyExactlyAsync(reader, size, destination, buffer, cancellationToken).ConfigureAwait(false);
            total += size;
            string? end = await reader.ReadLineAsync(MaxChunkLine, cancellationToken).ConfigureAwait(false)
                ?? throw new BodyEndedEarlyException("connection closed inside a chunk");
            if (end.Length != 0)
                throw new HttpParseException("chunk data longer than its size");
        }
        // Trailer fields are read and ignored (RFC 9112 §7.1.2).
        int trailerBytes = 0;
        while (true)
        {
            string line = await reader.ReadLineAsync(MaxChunkLine, cancellationToken).ConfigureAwait(false)
                ?? throw new BodyEndedEarlyException("connection closed inside the chunked trailer");
            if (line.Length == 0)
                return total;
            trailerBytes += line.Length;
            if (trailerBytes > 64 * 1024)
                throw new HttpParseException("chunked trailer too large");
        }
    }

    private static async ValueTask CopyExactlyAsync(HttpBufferedReader reader, long count, Stream? destination, byte[] buffer, CancellationToken cancellationToken)
    {
        long remaining = count;
        while (remaining > 0)
        {
            int n = await reader.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new BodyEndedEarlyException($"transfer closed with {remaining} bytes remaining to read");
            await WriteAsync(destination, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            remaining -= n;
        }
    }

    private static async ValueTask WriteAsync(Stream? destination, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (destination is null)
            return;
        try
        {
            await destination.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new BodyWriteException(e.Message, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BodyWriteException(e.Message, e);
        }
    }
}
