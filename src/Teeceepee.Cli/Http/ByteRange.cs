using System.Globalization;

namespace Teeceepee.Cli.Http;

/// <summary>A single <c>Range: bytes=...</c> request (RFC 9110 §14.1.2); several ranges are served as the whole file.</summary>
internal static class ByteRange
{
    /// <summary>What the Range field asks for.</summary>
    public enum Result
    {
        /// <summary>Not a single byte range we serve: send the whole representation (§14.2 allows ignoring Range).</summary>
        Ignore,
        /// <summary>A satisfiable range: send 206.</summary>
        Satisfiable,
        /// <summary>No byte of the range exists: send 416.</summary>
        Unsatisfiable,
    }

    /// <summary>Parses <paramref name="value"/> against a representation of <paramref name="length"/> bytes.</summary>
    public static Result Parse(string value, long length, out long start, out long count)
    {
        start = 0;
        count = length;
        string v = value.Trim();
        if (!v.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || v.Contains(',', StringComparison.Ordinal))
            return Result.Ignore;
        string spec = v[6..].Trim();
        int dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
            return Result.Ignore;
        string first = spec[..dash], last = spec[(dash + 1)..];
        if (first.Length == 0)
        {
            // Suffix range: the last N bytes.
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out long suffix))
                return Result.Ignore;
            if (suffix == 0 || length == 0)
                return Result.Unsatisfiable;
            count = Math.Min(suffix, length);
            start = length - count;
            return Result.Satisfiable;
        }
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out long from))
            return Result.Ignore;
        long to = length - 1;
        if (last.Length > 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out to) || to < from)
                return Result.Ignore;
        }
        if (from >= length)
            return Result.Unsatisfiable;
        to = Math.Min(to, length - 1);
        start = from;
        count = to - from + 1;
        return Result.Satisfiable;
    }
}
