using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Http;

/// <summary>
/// A static-file HTTP/1.1 server (RFC 9110/9112): GET and HEAD, keep-alive and pipelining, one task
/// per connection, directory index (index.html or a listing), single byte ranges, files streamed
/// through one pooled buffer per connection. Requests cannot leave the root directory.
/// </summary>
internal sealed class StaticFileServer
{
    private const int MaxHeaderBytes = 32 * 1024;
    private const int MaxDiscardedBody = 1024 * 1024;
    private const int BufferSize = 64 * 1024;

    private readonly string _root;
    private readonly TextWriter? _log;
    private int _active;

    /// <param name="root">The directory served as "/".</param>
    /// <param name="log">Access log (one line per request), or null.</param>
    public StaticFileServer(string root, TextWriter? log)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _log = log is null ? null : TextWriter.Synchronized(log);
    }

    /// <summary>How long an idle keep-alive connection is kept.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections being served now.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Accepts connections until <paramref name="cancellationToken"/> fires; each is served on its own task.</summary>
    public async Task RunAsync(IConnectionListener listener, CancellationToken cancellationToken)
    {
        var connections = new HashSet<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                IConnection connection;
                try
                {
                    connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                var task = ServeConnectionAsync(connection, cancellationToken);
                lock (connections)
                {
                    connections.Add(task);
                }
                _ = task.ContinueWith(t => { lock (connections) { connections.Remove(t); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        finally
        {
            Task[] remaining;
            lock (connections)
            {
                remaining = [.. connections];
            }
            await Task.WhenAll(remaining).ConfigureAwait(false);
        }
    }

    /// <summary>Serves requests on one connection until it closes, errs, idles out or is cancelled.</summary>
    public async Task ServeConnectionAsync(IConnection connection, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _active);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using (connection.ConfigureAwait(false))
            {
                using var reader = new HttpBufferedReader(connection.Stream);
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                while (true)
                {
                    idle.CancelAfter(IdleTimeout);
                    bool keepAlive = await ServeRequestAsync(connection, reader, buffer, idle, cancellationToken).ConfigureAwait(false);
                    if (!keepAlive)
                        break;
                }
                connection.ShutdownSend();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown or idle timeout: the connection is simply closed.
        }
        catch (IOException)
        {
            // The client went away.
        }
        catch (System.Net.Sockets.SocketException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Interlocked.Decrement(ref _active);
        }
    }

    // Returns true when the connection stays open for another request.
    // The idle timer covers waiting for the request head only; a long download is not cut off.
    private async Task<bool> ServeRequestAsync(IConnection connection, HttpBufferedReader reader, byte[] buffer, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        var stream = connection.Stream;
        string? line;
        try
        {
            // RFC 9112 §2.2: ignore empty lines before a request line.
            do
            {
                line = await reader.ReadLineAsync(MaxHeaderBytes, idle.Token).ConfigureAwait(false);
            }
            while (line is { Length: 0 });
        }
        catch (HttpParseException)
        {
            await WriteErrorAsync(stream, 400, "Bad Request", "GET", keepAlive: false, cancellationToken).ConfigureAwait(false);
            return false;
        }
        if (line is null)
            return false;

        var status = HttpRequestLine.TryParse(line, out var request);
        if (status != HttpRequestLine.ParseStatus.Ok)
        {
            int code = status == HttpRequestLine.ParseStatus.UnsupportedVersion ? 505 : 400;
            await WriteErrorAsync(stream, code, Reason(code), "GET", keepAlive: false, cancellationToken).ConfigureAwait(false);
            Log(connection, line, code, 0);
            return false;
        }

        HttpHeaders headers;
        try
        {
            headers = await HttpHeaders.ReadAsync(reader, MaxHeaderBytes, idle.Token).ConfigureAwait(false);
            idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        catch (HttpParseException e)
        {
            int code = e.Message.StartsWith("header larger", StringComparison.Ordinal) ? 431 : 400;
            await WriteErrorAsync(stream, code, Reason(code), request.Method, keepAlive: false, cancellationToken).ConfigureAwait(false);
            Log(connection, line, code, 0);
            return false;
        }

        bool keepAlive = request.MinorVersion >= 1 ? !headers.HasToken("Connection", "close") : headers.HasToken("Connection", "keep-alive");

        // RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host field.
        if (request.MinorVersion >= 1 && headers.Count("Host") != 1)
            return await RespondErrorAsync(connection, line, request.Method, 400, false, cancellationToken).ConfigureAwait(false);

        // Discard any request body so the next request on this connection parses (RFC 9112 §6.3).
        string? transferEncoding = headers.Get("Transfer-Encoding");
        string? contentLength = headers.Get("Content-Length");
        if (transferEncoding is not null)
        {
            if (contentLength is not null)
                return await RespondErrorAsync(connection, line, request.Method, 400, false, cancellationToken).ConfigureAwait(false);
            if (!transferEncoding.Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase))
                return await RespondErrorAsync(connection, line, request.Method, 501, false, cancellationToken).ConfigureAwait(false);
            try
            {
                await HttpBody.CopyAsync(reader, BodyFraming.Chunked, 0, null, buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpParseException or BodyEndedEarlyException)
            {
                return await RespondErrorAsync(connection, line, request.Method, 400, false, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (contentLength is not null)
        {
            if (!long.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out long length) || headers.Count("Content-Length") > 1)
                return await RespondErrorAsync(connection, line, request.Method, 400, false, cancellationToken).ConfigureAwait(false);
            if (length > MaxDiscardedBody)
                return await RespondErrorAsync(connection, line, request.Method, 413, false, cancellationToken).ConfigureAwait(false);
            try
            {
                await HttpBody.CopyAsync(reader, BodyFraming.ContentLength, length, null, buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (BodyEndedEarlyException)
            {
                return false;
            }
        }

        if (request.Method is not ("GET" or "HEAD"))
            return await RespondErrorAsync(connection, line, request.Method, 405, keepAlive, cancellationToken).ConfigureAwait(false);

        if (!TryMapPath(request.Target, out string? path, out string? urlPath))
            return await RespondErrorAsync(connection, line, request.Method, 400, keepAlive, cancellationToken).ConfigureAwait(false);

        if (Directory.Exists(path))
        {
            if (!urlPath.EndsWith('/'))
            {
                // A directory URL needs the trailing slash so relative links in it resolve.
                string location = urlPath + "/";
                var head = Head(301, "Moved Permanently", "text/html; charset=utf-8", 0, keepAlive, extra: $"Location: {location}\r\n");
                await WriteAsync(stream, head, null, cancellationToken).ConfigureAwait(false);
                Log(connection, line, 301, 0);
                return keepAlive;
            }
            string index = Path.Combine(path, "index.html");
            if (File.Exists(index))
            {
                path = index;
            }
            else
            {
                byte[] listing = Encoding.UTF8.GetBytes(DirectoryListing(path, urlPath));
                var head = Head(200, "OK", "text/html; charset=utf-8", listing.Length, keepAlive);
                await WriteAsync(stream, head, request.Method == "HEAD" ? null : listing, cancellationToken).ConfigureAwait(false);
                Log(connection, line, 200, listing.Length);
                return keepAlive;
            }
        }

        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return await RespondErrorAsync(connection, line, request.Method, 404, keepAlive, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return await RespondErrorAsync(connection, line, request.Method, 403, keepAlive, cancellationToken).ConfigureAwait(false);
        }

        await using (file.ConfigureAwait(false))
        {
            long total = file.Length;
            long start = 0, count = total;
            int code = 200;
            string extra = "Accept-Ranges: bytes\r\nLast-Modified: " + File.GetLastWriteTimeUtc(path).ToString("r", CultureInfo.InvariantCulture) + "\r\n";
            string? range = headers.Get("Range");
            if (range is not null)
            {
                switch (ByteRange.Parse(range, total, out start, out count))
                {
                    case ByteRange.Result.Satisfiable:
                        code = 206;
                        extra += string.Create(CultureInfo.InvariantCulture, $"Content-Range: bytes {start}-{start + count - 1}/{total}\r\n");
                        break;
                    case ByteRange.Result.Unsatisfiable:
                        var head416 = Head(416, Reason(416), "text/plain; charset=utf-8", 0, keepAlive, string.Create(CultureInfo.InvariantCulture, $"Content-Range: bytes */{total}\r\n"));
                        await WriteAsync(stream, head416, null, cancellationToken).ConfigureAwait(false);
                        Log(connection, line, 416, 0);
                        return keepAlive;
                    default:
                        start = 0;
                        count = total;
                        break;
                }
            }
            var responseHead = Head(code, Reason(code), MimeTypes.For(path), count, keepAlive, extra);
            await stream.WriteAsync(responseHead, cancellationToken).ConfigureAwait(false);
            if (request.Method == "GET" && count > 0)
            {
                file.Position = start;
                long remaining = count;
                while (remaining > 0)
                {
                    int n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        // The file shrank while being sent: the promised length cannot be kept, so close.
                        return false;
                    }
                    await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    remaining -= n;
                }
            }
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            Log(connection, line, code, request.Method == "GET" ? count : 0);
            return keepAlive;
        }
    }

    /// <summary>
    /// Maps a request target to a file system path under the root: origin-form or absolute-form,
    /// query removed, percent-decoded, dot segments resolved; false when it is malformed or would
    /// leave the root (RFC 3986 §5.2.4; path traversal).
    /// </summary>
    public bool TryMapPath(string target, out string path, out string urlPath)
    {
        path = "";
        urlPath = "";
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            int slash = target.IndexOf('/', 7);
            target = slash < 0 ? "/" : target[slash..];
        }
        if (!target.StartsWith('/'))
            return false;
        int query = target.IndexOf('?', StringComparison.Ordinal);
        string rawPath = query >= 0 ? target[..query] : target;
        var segments = new List<string>();
        foreach (var rawSegment in rawPath.Split('/'))
        {
            if (!TryPercentDecode(rawSegment, out string segment) || segment.Contains('\0', StringComparison.Ordinal) || segment.Contains('/', StringComparison.Ordinal))
                return false;
            if (segment.Length == 0 || segment == ".")
                continue;
            if (segment == "..")
            {
                if (segments.Count == 0)
                    return false;
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(segment);
        }
        string full = Path.GetFullPath(Path.Join([_root, .. segments]));
        if (full != _root && !full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return false;
        path = full;
        urlPath = rawPath;
        return true;
    }

    private static bool TryPercentDecode(string text, out string decoded)
    {
        decoded = text;
        if (!text.Contains('%', StringComparison.Ordinal))
            return true;
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
                    return false;
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add((byte)text[i]);
            }
        }
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string DirectoryListing(string directory, string urlPath)
    {
        var html = new StringBuilder();
        string title = WebUtility.HtmlEncode(Uri.UnescapeDataString(urlPath));
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ").Append(title)
            .Append("</title></head>\n<body>\n<h1>Index of ").Append(title).Append("</h1>\n<ul>\n");
        if (urlPath != "/")
            html.Append("<li><a href=\"../\">../</a></li>\n");
        var info = new DirectoryInfo(directory);
        var entries = info.GetFileSystemInfos();
        Array.Sort(entries, static (a, b) =>
        {
            int kind = (b is DirectoryInfo).CompareTo(a is DirectoryInfo);
            return kind != 0 ? kind : string.CompareOrdinal(a.Name, b.Name);
        });
        foreach (var entry in entries)
        {
            string suffix = entry is DirectoryInfo ? "/" : "";
            html.Append("<li><a href=\"").Append(Uri.EscapeDataString(entry.Name)).Append(suffix).Append("\">")
                .Append(WebUtility.HtmlEncode(entry.Name)).Append(suffix).Append("</a>");
            if (entry is FileInfo file)
                html.Append(' ').Append(file.Length.ToString(CultureInfo.InvariantCulture)).Append(" bytes");
            html.Append("</li>\n");
        }
        html.Append("</ul>\n</body></html>\n");
        return html.ToString();
    }

    private async Task<bool> RespondErrorAsync(IConnection connection, string line, string method, int code, bool keepAlive, CancellationToken cancellationToken)
    {
        await WriteErrorAsync(connection.Stream, code, Reason(code), method, keepAlive, cancellationToken).ConfigureAwait(false);
        Log(connection, line, code, 0);
        return keepAlive;
    }

    private static async Task WriteErrorAsync(Stream stream, int code, string reason, string method, bool keepAlive, CancellationToken cancellationToken)
    {
        byte[] body = Encoding.UTF8.GetBytes($"<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>\n");
        string extra = code == 405 ? "Allow: GET, HEAD\r\n" : "";
        var head = Head(code, reason, "text/html; charset=utf-8", body.Length, keepAlive, extra);
        await WriteAsync(stream, head, method == "HEAD" ? null : body, cancellationToken).ConfigureAwait(false);
    }

    // Head and a small body go out in one write, so they leave in as few segments as possible.
    private static async Task WriteAsync(Stream stream, byte[] head, byte[]? body, CancellationToken cancellationToken)
    {
        if (body is { Length: > 0 })
        {
            var combined = new byte[head.Length + body.Length];
            head.CopyTo(combined, 0);
            body.CopyTo(combined, head.Length);
            head = combined;
        }
        await stream.WriteAsync(head, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Head(int code, string reason, string contentType, long contentLength, bool keepAlive, string extra = "")
    {
        var text = new StringBuilder(256);
        text.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {code} {reason}\r\n");
        text.Append("Date: ").Append(DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture)).Append("\r\n");
        text.Append("Server: teeceepee\r\n");
        text.Append("Content-Type: ").Append(contentType).Append("\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Content-Length: {contentLength}\r\n");
        text.Append(extra);
        text.Append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
        text.Append("\r\n");
        return Encoding.Latin1.GetBytes(text.ToString());
    }

    /// <summary>The reason phrase for the status codes this server sends.</summary>
    public static string Reason(int code) => code switch
    {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    };

    private void Log(IConnection connection, string requestLine, int code, long bytes)
    {
        _log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{connection.RemoteEndPoint} \"{(requestLine.Length > 200 ? requestLine[..200] : requestLine)}\" {code} {bytes}"));
    }
}
