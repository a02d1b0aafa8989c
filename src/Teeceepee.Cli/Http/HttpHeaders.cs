namespace Teeceepee.Cli.Http;

/// <summary>Header fields in arrival order; names compare case-insensitively (RFC 9110 §5.1).</summary>
internal sealed class HttpHeaders
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    /// <summary>All fields in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    /// <summary>Appends a field.</summary>
    public void Add(string name, string value) => _fields.Add(new(name, value));

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                return field.Value;
        }
        return null;
    }

    /// <summary>How many fields are named <paramref name="name"/>.</summary>
    public int Count(string name)
    {
        int count = 0;
        foreach (var field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                count++;
        }
        return count;
    }

    /// <summary>True when a comma-separated list field (Connection, Transfer-Encoding) contains <paramref name="token"/>.</summary>
    public bool HasToken(string name, string token)
    {
        foreach (var field in _fields)
        {
            if (!string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var part in field.Value.Split(','))
            {
                if (string.Equals(part.Trim(), token, StringComparison.OrdinalIgnoreCase))
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Reads header lines up to the empty line. Throws <see cref="HttpParseException"/> on
    /// malformed fields, obsolete line folding, or more than <paramref name="maxTotal"/> bytes.
    /// </summary>
    public static async ValueTask<HttpHeaders> ReadAsync(HttpBufferedReader reader, int maxTotal, CancellationToken cancellationToken)
    {
        var headers = new HttpHeaders();
        int total = 0;
        while (true)
        {
            string line = await reader.ReadLineAsync(maxTotal, cancellationToken).ConfigureAwait(false)
                ?? throw new HttpParseException("connection closed inside the header");
            if (line.Length == 0)
                return headers;
            total += line.Length + 2;
            if (total > maxTotal)
                throw new HttpParseException($"header larger than {maxTotal} bytes");
            // RFC 9112 §5.2: obs-fold is rejected; §5.1: no whitespace between name and colon.
            if (line[0] is ' ' or '\t')
                throw new HttpParseException("obsolete header line folding");
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)))
                throw new HttpParseException($"malformed header line '{Shorten(line)}'");
            headers.Add(line[..colon], line[(colon + 1)..].Trim(' ', '\t'));
        }
    }

    /// <summary>RFC 9110 §5.6.2 token characters.</summary>
    public static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
            return false;
        foreach (char c in text)
        {
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!ok)
                return false;
        }
        return true;
    }

    private static string Shorten(string line) => line.Length <= 40 ? line : line[..40] + "...";
}
