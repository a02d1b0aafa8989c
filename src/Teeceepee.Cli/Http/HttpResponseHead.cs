using System.Globalization;
using System.Text;

namespace Teeceepee.Cli.Http;

/// <summary>A response's status line and header fields, plus the raw text for <c>curl -I</c>/<c>-i</c>.</summary>
internal sealed record HttpResponseHead(int MinorVersion, int StatusCode, string Reason, HttpHeaders Headers, string RawText)
{
    private const int MaxHeaderBytes = 64 * 1024;

    /// <summary>
    /// Reads one response head; informational 1xx responses (100 Continue) are skipped
    /// (RFC 9110 §15.2). Returns null when the server closed without sending anything.
    /// </summary>
    public static async ValueTask<HttpResponseHead?> ReadAsync(HttpBufferedReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? statusLine = await reader.ReadLineAsync(MaxHeaderBytes, cancellationToken).ConfigureAwait(false);
            if (statusLine is null)
                return null;
            if (!TryParseStatusLine(statusLine, out int minor, out int status, out string reason))
                throw new HttpParseException($"not an HTTP/1.x status line: '{(statusLine.Length > 40 ? statusLine[..40] + "..." : statusLine)}'");
            var headers = await HttpHeaders.ReadAsync(reader, MaxHeaderBytes, cancellationToken).ConfigureAwait(false);
            if (status is >= 100 and < 200 && status != 101)
                continue;
            var raw = new StringBuilder(statusLine.Length + 64 * headers.Fields.Count);
            raw.Append(statusLine).Append("\r\n");
            foreach (var (name, value) in headers.Fields)
                raw.Append(name).Append(": ").Append(value).Append("\r\n");
            raw.Append("\r\n");
            return new HttpResponseHead(minor, status, reason, headers, raw.ToString());
        }
    }

    /// <summary>RFC 9112 §4: HTTP-version SP status-code SP [ reason-phrase ].</summary>
    public static bool TryParseStatusLine(string line, out int minorVersion, out int statusCode, out string reason)
    {
        minorVersion = 0;
        statusCode = 0;
        reason = "";
        if (line.Length < 12 || !line.StartsWith("HTTP/1.", StringComparison.Ordinal) || !char.IsAsciiDigit(line[7]) || line[8] != ' ')
            return false;
        minorVersion = line[7] - '0';
        if (!int.TryParse(line.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out statusCode) || statusCode < 100)
            return false;
        if (line.Length > 12)
        {
            if (line[12] != ' ')
                return false;
            reason = line[13..];
        }
        return true;
    }

    /// <summary>True when the server keeps the connection open after this response (RFC 9112 §9.3).</summary>
    public bool KeepAlive => MinorVersion >= 1 ? !Headers.HasToken("Connection", "close") : Headers.HasToken("Connection", "keep-alive");

    /// <summary>How the body that follows is delimited, for a request with <paramref name="method"/> (RFC 9112 §6.3).</summary>
    public BodyFraming GetFraming(string method, out long contentLength)
    {
        contentLength = 0;
        if (method == "HEAD" || StatusCode is (>= 100 and < 200) or 204 or 304)
            return BodyFraming.None;
        string? transferEncoding = Headers.Get("Transfer-Encoding");
        if (transferEncoding is not null)
        {
            // Chunked must be the final coding; otherwise the body runs until close (§6.3 item 4).
            string last = transferEncoding.Split(',')[^1].Trim();
            return string.Equals(last, "chunked", StringComparison.OrdinalIgnoreCase) ? BodyFraming.Chunked : BodyFraming.UntilClose;
        }
        string? lengthText = Headers.Get("Content-Length");
        if (lengthText is null)
            return BodyFraming.UntilClose;
        // Several Content-Length fields (or a list) are fine only when all values agree (§6.3 item 5).
        long? length = null;
        foreach (var (name, value) in Headers.Fields)
        {
            if (!string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var part in value.Split(','))
            {
                if (!long.TryParse(part.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long v))
                    throw new HttpParseException($"invalid Content-Length '{value}'");
                if (length is not null && length != v)
                    throw new HttpParseException("conflicting Content-Length values");
                length = v;
            }
        }
        contentLength = length!.Value;
        return BodyFraming.ContentLength;
    }
}
