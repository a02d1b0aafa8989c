namespace Teeceepee.Cli.Http;

/// <summary>A parsed request line (RFC 9112 §3): method SP request-target SP HTTP-version.</summary>
internal readonly record struct HttpRequestLine(string Method, string Target, int MinorVersion)
{
    /// <summary>Result of parsing: fine, malformed (400) or a version we do not speak (505).</summary>
    public enum ParseStatus
    {
        Ok,
        Malformed,
        UnsupportedVersion,
    }

    /// <summary>Parses the request line strictly (single spaces, token method, HTTP/1.x).</summary>
    public static ParseStatus TryParse(string line, out HttpRequestLine requestLine)
    {
        requestLine = default;
        int first = line.IndexOf(' ', StringComparison.Ordinal);
        int last = line.LastIndexOf(' ');
        if (first <= 0 || last <= first + 1 || last == line.Length - 1)
            return ParseStatus.Malformed;
        string method = line[..first];
        string target = line[(first + 1)..last];
        string version = line[(last + 1)..];
        if (!HttpHeaders.IsToken(method) || target.Contains(' ', StringComparison.Ordinal))
            return ParseStatus.Malformed;
        foreach (char c in target)
        {
            if (c <= ' ' || c >= 0x7F)
                return ParseStatus.Malformed;
        }
        if (version.Length != 8 || !version.StartsWith("HTTP/", StringComparison.Ordinal) || !char.IsAsciiDigit(version[5]) || version[6] != '.' || !char.IsAsciiDigit(version[7]))
            return ParseStatus.Malformed;
        if (version[5] != '1')
            return ParseStatus.UnsupportedVersion;
        requestLine = new HttpRequestLine(method, target, version[7] - '0');
        return ParseStatus.Ok;
    }
}
