namespace Teeceepee.Cli.Curl;

/// <summary>curl's reading of a URL argument: no scheme means http://; http and https only.</summary>
internal static class CurlUrl
{
    /// <summary>Parses <paramref name="text"/>; on failure gives curl's exit code (1 unsupported protocol, 3 malformed) and a sentence.</summary>
    public static bool TryParse(string text, out Uri url, out int exitCode, out string error)
    {
        url = null!;
        exitCode = 0;
        error = "";
        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        string withScheme = schemeEnd < 0 ? "http://" + text : text;
        string scheme = schemeEnd < 0 ? "http" : text[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("http" or "https"))
        {
            exitCode = ExitCodes.Failure;
            error = $"protocol \"{scheme}\" is not supported; use http:// or https://";
            return false;
        }
        foreach (char c in text)
        {
            if (c <= ' ' || c >= 0x7f)
            {
                exitCode = ExitCodes.BadUrl;
                error = $"malformed URL '{text}': it contains a space or a control or non-ASCII character (percent-encode it)";
                return false;
            }
        }
        string authority = Authority(withScheme[(withScheme.IndexOf("://", StringComparison.Ordinal) + 3)..]);
        // Uri reads "http://[::1]x/" as [::1] with the path "/x/"; RFC 3986 §3.2 allows only ":PORT" after the literal.
        bool strayAfterLiteral = AfterIPv6Literal(authority) is { Length: > 0 } after && after[0] != ':';
        if (strayAfterLiteral || !Uri.TryCreate(withScheme, UriKind.Absolute, out var parsed) || parsed.Host.Length == 0)
        {
            exitCode = ExitCodes.BadUrl;
            error = $"malformed URL '{text}': {Diagnose(authority)}";
            return false;
        }
        url = parsed;
        return true;
    }

    /// <summary>
    /// Why the authority (host and port, RFC 3986 §3.2) of a URL that is refused is wrong: an IPv6 literal's
    /// brackets or address (§3.2.2), or the port; else the general reason.
    /// </summary>
    private static string Diagnose(string authority)
    {
        string port;
        if (authority.StartsWith('['))
        {
            if (AfterIPv6Literal(authority) is not { } after)
                return "the IPv6 address has no closing ']'";
            string literal = authority[1..^(after.Length + 1)];
            if (!System.Net.IPAddress.TryParse(literal, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                return $"'{literal}' in brackets is not an IPv6 address";
            if (after.Length > 0 && after[0] != ':')
                return $"'{after}' after the IPv6 address is neither a port (:PORT) nor a path (/)";
            port = after;
        }
        else
        {
            int colon = authority.LastIndexOf(':');
            port = colon < 0 ? "" : authority[colon..];
        }
        if (port.Length > 1)
        {
            string digits = port[1..];
            if (!digits.All(char.IsAsciiDigit))
                return $"port '{digits}' is not a number (1-65535)";
            if (digits.Length > 5 || int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 65535)
                return $"port {digits} is out of range (1-65535)";
        }
        return "no valid host name or port (1-65535)";
    }

    /// <summary>The authority of a URL (after "scheme://", up to the path, query or fragment), without user information.</summary>
    private static string Authority(string afterScheme)
    {
        int end = afterScheme.IndexOfAny(['/', '?', '#']);
        string authority = end < 0 ? afterScheme : afterScheme[..end];
        return authority[(authority.LastIndexOf('@') + 1)..];
    }

    /// <summary>What follows the ']' of an authority's bracketed IPv6 literal; null when it has none or no ']'.</summary>
    private static string? AfterIPv6Literal(string authority)
    {
        if (!authority.StartsWith('['))
            return null;
        int close = authority.IndexOf(']', StringComparison.Ordinal);
        return close < 0 ? null : authority[(close + 1)..];
    }

    /// <summary>The file name <c>-O</c> writes to: the URL's last path segment, unescaped; null when it has none.</summary>
    public static string? RemoteName(Uri url)
    {
        string path = url.AbsolutePath;
        string name = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        return name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) ? null : name;
    }
}
