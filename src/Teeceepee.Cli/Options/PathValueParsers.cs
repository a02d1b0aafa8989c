using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Teeceepee.Cli.Options;

/// <summary>Parsers for path-emulation values: rates (<c>100mbit</c>) and queue sizes in octets or milliseconds (<c>64kb</c>, <c>20ms</c>).</summary>
internal static class PathValueParsers
{
    /// <summary>Parses a rate in bits per second: a number with <c>bit</c>, <c>kbit</c>, <c>mbit</c> or <c>gbit</c> (SI, like tc), an optional <c>/s</c>.</summary>
    public static bool TryParseRate(string text, string option, out long bitsPerSecond, [NotNullWhen(false)] out string? error)
    {
        bitsPerSecond = 0;
        string t = text.Trim().ToLowerInvariant();
        if (t.EndsWith("/s", StringComparison.Ordinal))
            t = t[..^2];
        (string unit, double factor) = t switch
        {
            _ when t.EndsWith("gbit", StringComparison.Ordinal) => ("gbit", 1e9),
            _ when t.EndsWith("mbit", StringComparison.Ordinal) => ("mbit", 1e6),
            _ when t.EndsWith("kbit", StringComparison.Ordinal) => ("kbit", 1e3),
            _ when t.EndsWith("bit", StringComparison.Ordinal) => ("bit", 1),
            _ => ("", 0),
        };
        if (factor == 0 || !double.TryParse(t[..^unit.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value <= 0 || value * factor > 1e12)
        {
            error = $"invalid rate '{text}' in {option}: give bits per second with a unit, like 100mbit, 1.5gbit or 800kbit";
            return false;
        }
        bitsPerSecond = Math.Max(1, (long)Math.Round(value * factor));
        error = null;
        return true;
    }

    /// <summary>
    /// Parses a queue size: octets (<c>64000</c>, <c>64kb</c>, <c>1.5mb</c>, SI) or the time to drain it at the rate
    /// (<c>20ms</c>); exactly one of <paramref name="bytes"/> and <paramref name="time"/> is set.
    /// </summary>
    public static bool TryParseQueue(string text, string option, out long bytes, out TimeSpan time, [NotNullWhen(false)] out string? error)
    {
        bytes = 0;
        time = TimeSpan.Zero;
        string t = text.Trim().ToLowerInvariant();
        (int cut, double factor, bool isTime) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.Ordinal) => (2, 1, true),
            _ when t.EndsWith("mb", StringComparison.Ordinal) => (2, 1e6, false),
            _ when t.EndsWith("kb", StringComparison.Ordinal) => (2, 1e3, false),
            _ when t.EndsWith('b') => (1, 1, false),
            _ => (0, 1, false),
        };
        if (!double.TryParse(t[..^cut], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value <= 0 || value * factor > (isTime ? 600_000 : 1e10))
        {
            error = $"invalid size '{text}' in {option}: give octets (64000, 64kb, 1.5mb) or milliseconds at the rate (20ms)";
            return false;
        }
        if (isTime)
            time = TimeSpan.FromMilliseconds(value);
        else
            bytes = Math.Max(1, (long)Math.Round(value * factor));
        error = null;
        return true;
    }
}
