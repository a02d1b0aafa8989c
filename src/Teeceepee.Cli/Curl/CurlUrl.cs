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
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var parsed) || parsed.Host.Length == 0)
        {
            exitCode = ExitCodes.BadUrl;
            error = $"malformed URL '{text}': no valid host name or port (1-65535)";
            return false;
        }
        url = parsed;
        return true;
    }

    /// <summary>The file name <c>-O</c> writes to: the URL's last path segment, unescaped; null when it has none.</summary>
    public static string? RemoteName(Uri url)
    {
        string path = url.AbsolutePath;
        string name = Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
        return name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) ? null : name;
    }
}
