using System.Globalization;
using System.Text;

namespace Teeceepee.Cli.Http;

/// <summary>One client request: method, URL, extra header lines and an optional body.</summary>
internal sealed record HttpRequestSpec(string Method, HttpUrl Url, IReadOnlyList<string> ExtraHeaders, byte[]? Body)
{
    /// <summary>The request head bytes (RFC 9112 §3), as curl would send them.</summary>
    public byte[] EncodeHead()
    {
        var text = new StringBuilder(256);
        text.Append(Method).Append(' ').Append(Url.PathAndQuery).Append(" HTTP/1.1\r\n");
        bool hasHost = false, hasAgent = false, hasAccept = false, hasType = false;
        foreach (var line in ExtraHeaders)
        {
            hasHost |= line.StartsWith("Host:", StringComparison.OrdinalIgnoreCase);
            hasAgent |= line.StartsWith("User-Agent:", StringComparison.OrdinalIgnoreCase);
            hasAccept |= line.StartsWith("Accept:", StringComparison.OrdinalIgnoreCase);
            hasType |= line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase);
        }
        if (!hasHost)
            text.Append("Host: ").Append(Url.Authority).Append("\r\n");
        if (!hasAgent)
            text.Append("User-Agent: teeceepee/1.0\r\n");
        if (!hasAccept)
            text.Append("Accept: */*\r\n");
        foreach (var line in ExtraHeaders)
            text.Append(line).Append("\r\n");
        if (Body is not null)
        {
            if (!hasType)
                text.Append("Content-Type: application/x-www-form-urlencoded\r\n");
            text.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }
        text.Append("\r\n");
        return Encoding.Latin1.GetBytes(text.ToString());
    }
}
