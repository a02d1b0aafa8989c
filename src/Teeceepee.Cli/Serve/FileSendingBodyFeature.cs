using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Teeceepee.Cli.Serve;

/// <summary>
/// The response body feature of one request with a faster <see cref="SendFileAsync"/>: the file is read with
/// plain positional reads (page-cache hits; no thread-pool hop per read as FileStream's asynchronous reads take)
/// straight into the response pipe's memory (no copy through a buffer of our own), flushed every 256 KiB (one send
/// command on the stack per flush). Everything else is the server's own feature. Kestrel's minimum response data rate
/// (<paramref name="rate"/>, absent on HTTP/2) is kept for what it means: see <see cref="AllowForFlushes"/>.
/// </summary>
internal sealed class FileSendingBodyFeature(IHttpResponseBodyFeature inner, IHttpMinResponseDataRateFeature? rate) : IHttpResponseBodyFeature
{
    // Asked of the pipe per read: our transport's output pipe has 64 KiB blocks and fills a block's rest when at
    // least this much is left; Kestrel's own pipes (HTTPS, HTTP/2) lend blocks of at least this size.
    private const int ReadSizeHint = 16 * 1024;
    private const int FlushSize = 256 * 1024;

    public Stream Stream => inner.Stream;

    public PipeWriter Writer => inner.Writer;

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    /// <summary>
    /// Kestrel gives each flush its grace period (5 s) plus the time the flushed bytes take at the minimum rate (240 B/s),
    /// but it counts only bytes written with <c>WriteAsync</c>, not those written through <c>GetMemory</c>/<c>Advance</c>
    /// as here: each of our 256 KiB flushes got the grace period alone, and a client slower than ~50 KB/s, or one that
    /// stalled for 6 s (200 downloads on a busy machine), was cut off with a reset. So the grace period grows by the time a
    /// whole flush takes at the minimum rate, which is what Kestrel allows a counted write of that size.
    /// </summary>
    internal static void AllowForFlushes(IHttpMinResponseDataRateFeature? rate)
    {
        if (rate?.MinDataRate is { BytesPerSecond: > 0 } min)
            rate.MinDataRate = new MinDataRate(min.BytesPerSecond, min.GracePeriod + TimeSpan.FromSeconds(FlushSize / min.BytesPerSecond));
    }

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = RandomAccess.GetLength(file);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, length);
        long remaining = count ?? length - offset;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(remaining, length - offset, nameof(count));
        AllowForFlushes(rate);
        // The head goes into the pipe first (not flushed): it leaves with the first piece of the body.
        await inner.StartAsync(cancellationToken).ConfigureAwait(false);
        var writer = inner.Writer;
        int unflushed = 0;
        while (remaining > 0)
        {
            var memory = writer.GetMemory(ReadSizeHint);
            int n = RandomAccess.Read(file, memory.Span[..(int)Math.Min(memory.Length, remaining)], offset);
            if (n == 0)
                throw new IOException($"{path} ended {remaining} bytes early (it shrank while being sent)");
            writer.Advance(n);
            offset += n;
            remaining -= n;
            unflushed += n;
            if (unflushed < FlushSize && remaining > 0)
                continue;
            unflushed = 0;
            var flush = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
                break; // the connection went away
        }
    }
}
