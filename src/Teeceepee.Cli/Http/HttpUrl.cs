using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Teeceepee.Cli.Http;

/// <summary>An http:// URL split into the parts a request needs (RFC 9110 §4.2.1).</summary>
internal sealed record HttpUrl(string Host, int Port, string PathAndQuery)
{
    /// <summary>The Host header value: the port only when it is not 80 (RFC 9110 §7.2).</summary>
    public string Authority => Port == 80 ? Host : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    public override string ToString() => $"http://{Authority}{PathAndQuery}";

    /// <summary>
    /// Parses a URL as curl takes it (no scheme means http://). On failure returns false with the
    /// exit code (3 malformed, 1 unsupported protocol) and one sentence.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out HttpUrl? url, out int exitCode, [NotNullWhen(false)] out string? error)
    {
        url = null;
        exitCode = ExitCodes.BadUrl;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "no URL given";
            return false;
        }
        foreach (char c in text)
        {
            if (c <= ' ' || c >= 0x7F)
            {
                error = $"malformed URL '{text}': it contains a space or a control or non-ASCII character (percent-encode it)";
                return false;
            }
        }
        string rest = text;
        int schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            string scheme = text[..schemeEnd].ToLowerInvariant();
            rest = text[(schemeEnd + 3)..];
            if (scheme == "https")
            {
                exitCode = ExitCodes.Failure;
                error = "HTTPS is not supported yet (TLS over the stack comes later); use http://";
                return false;
            }
            if (scheme != "http")
            {
                exitCode = ExitCodes.Failure;
                error = $"protocol \"{scheme}\" is not supported; use http://";
                return false;
            }
        }
        int hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
            rest = rest[..hash];
        int pathStart = rest.IndexOfAny(['/', '?']);
        string authority = pathStart >= 0 ? rest[..pathStart] : rest;
        string path = pathStart >= 0 ? rest[pathStart..] : "/";
        if (path.StartsWith('?'))
            path = "/" + path;
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            error = $"malformed URL '{text}': user names and passwords in URLs are not supported";
            return false;
        }
        if (authority.StartsWith('['))
        {
            error = $"malformed URL '{text}': IPv6 addresses are not supported (the stack speaks IPv4)";
            return false;
        }
        string host = authority;
        int port = 80;
        int colon = authority.LastIndexOf(':');
        if (colon >= 0)
        {
            host = authority[..colon];
            string portText = authority[(colon + 1)..];
            if (portText.Length > 0
                && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            {
                error = $"malformed URL '{text}': port '{portText}' is not a number 1-65535";
                return false;
            }
            if (portText.Length == 0)
                port = 80;
        }
        if (host.Length == 0 || !IsHostName(host))
        {
            error = $"malformed URL '{text}': no valid host name";
            return false;
        }
        url = new HttpUrl(host.ToLowerInvariant(), port, path);
        exitCode = ExitCodes.Ok;
        error = null;
        return true;
    }

    /// <summary>Resolves a redirect's Location against this URL.</summary>
    public bool TryResolve(string location, [NotNullWhen(true)] out HttpUrl? url, out int exitCode, [NotNullWhen(false)] out string? error)
    {
        if (!Uri.TryCreate(new Uri(ToString()), location, out var absolute))
        {
            url = null;
            exitCode = ExitCodes.BadUrl;
            error = $"the redirect to '{location}' is not a valid URL";
            return false;
        }
        return TryParse(absolute.AbsoluteUri, out url, out exitCode, out error);
    }

    private static bool IsHostName(string host)
    {
        foreach (char c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
                return false;
        }
        return true;
    }
}
