using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Teeceepee.Wire;

namespace Teeceepee.Cli.Options;

/// <summary>Parsers for option values; each reports one clear sentence on failure.</summary>
internal static class ValueParsers
{
    /// <summary>Dotted-quad IPv4 only (no hex, octal or short forms, unlike <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>).</summary>
    public static bool TryParseIPv4(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (!IPv4Address.TryParse(text, out var v4))
            return false;
        address = v4.ToIPAddress();
        return true;
    }

    /// <summary>
    /// An IPv4 dotted quad or an IPv6 address (RFC 4291 §2.2 text forms, optionally in brackets as in URLs);
    /// no zone index, no IPv4 short forms.
    /// </summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        if (TryParseIPv4(text, out address))
            return true;
        address = null;
        if (text is null || !text.Contains(':', StringComparison.Ordinal) || text.Contains('%', StringComparison.Ordinal))
            return false;
        string bare = text.Length > 2 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;
        if (!IPAddress.TryParse(bare, out var parsed) || parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return false;
        address = parsed;
        return true;
    }

    /// <summary>"invalid IPv4 address", "invalid IPv6 address" or "invalid IP address", by what the text looks like.</summary>
    public static string InvalidAddress(string text, string option)
    {
        string family = text.Contains(':', StringComparison.Ordinal) ? "IPv6 " : text.Length > 0 && text.All(c => char.IsAsciiDigit(c) || c == '.') ? "IPv4 " : "IP ";
        return $"invalid {family}address '{text}' in {option}";
    }

    /// <summary>True for an address a host can own or talk to as a unicast peer (not ::, 0.0.0.0, loopback, multicast, broadcast).</summary>
    public static bool IsUsableUnicast(IPAddress address)
    {
        var net = NetAddress.FromIPAddress(address);
        return !(net.IsUnspecified || net.IsMulticast || net.IsLoopback || net.IsIPv6 && net.V6.IsIPv4Mapped);
    }

    /// <summary>Parses <c>ADDR/PREFIX</c> for <paramref name="option"/>, IPv4 (prefix 1-32) or IPv6 (prefix 1-128).</summary>
    public static bool TryParseCidr(string text, string option, [NotNullWhen(true)] out IPAddress? address, out int prefix, [NotNullWhen(false)] out string? error)
    {
        address = null;
        prefix = 0;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = $"{option} needs ADDR/PREFIX, e.g. 198.18.0.2/24 (got '{text}')";
            return false;
        }
        string addressText = text[..slash], prefixText = text[(slash + 1)..];
        if (!TryParseAddress(addressText, out address) || addressText.StartsWith('['))
        {
            error = InvalidAddress(addressText, option);
            return false;
        }
        int maxPrefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (!int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix))
        {
            error = $"invalid prefix length '{prefixText}' in {option} (expected a number 1-{maxPrefix})";
            return false;
        }
        if (prefix < 1 || prefix > maxPrefix)
        {
            error = $"prefix length {prefix} in {option} is out of range (1-{maxPrefix})";
            return false;
        }
        if (!IsUsableUnicast(address) || address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && IPv4Address.FromIPAddress(address).IsBroadcast)
        {
            error = $"{option} {addressText} is not a usable host address";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Parses a probability: a fraction 0..1 (<c>0.02</c>) or a percentage (<c>2%</c>).</summary>
    public static bool TryParseProbability(string text, string option, out double value, [NotNullWhen(false)] out string? error)
    {
        value = 0;
        string t = text.Trim();
        bool percent = t.EndsWith('%');
        if (percent)
            t = t[..^1];
        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out double v)
            || double.IsNaN(v) || double.IsInfinity(v))
        {
            error = $"{option} '{text}' is not a probability (give a fraction like 0.02 or a percentage like 2%)";
            return false;
        }
        if (v < 0)
        {
            error = $"{option} {text} is negative";
            return false;
        }
        if (percent)
        {
            if (v > 100)
            {
                error = $"{option} {text} is more than 100%";
                return false;
            }
            v /= 100;
        }
        else if (v > 1)
        {
            error = $"{option} {text} is more than 1 (give a fraction 0..1 or a percentage like {text}%)";
            return false;
        }
        value = v;
        error = null;
        return true;
    }

    /// <summary>Parses a MAC address <c>aa:bb:cc:dd:ee:ff</c> (or with dashes) that a host may own.</summary>
    public static bool TryParseMac(string text, string option, out MacAddress mac, [NotNullWhen(false)] out string? error)
    {
        if (!MacAddress.TryParse(text, out mac))
        {
            error = $"invalid MAC address '{text}' in {option} (expected six hex bytes like 02:00:00:00:00:02)";
            return false;
        }
        if (mac.IsMulticast)
        {
            error = $"{option} {text} is a multicast address; a host needs a unicast MAC (first byte even, e.g. 02:...)";
            return false;
        }
        if (mac == MacAddress.Zero)
        {
            error = $"{option} {text} is all zeros; give a unicast MAC like 02:00:00:00:00:02";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Parses an integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static bool TryParseInt(string text, string option, int min, int max, out int value, [NotNullWhen(false)] out string? error)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            error = $"{option} '{text}' is not a whole number";
            return false;
        }
        if (value < min || value > max)
        {
            error = $"{option} {text} is out of range ({min}-{max})";
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>Parses seconds (fractions allowed, like curl's <c>--max-time 0.5</c>).</summary>
    public static bool TryParseSeconds(string text, string option, out TimeSpan value, [NotNullWhen(false)] out string? error)
    {
        value = default;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double s) || double.IsInfinity(s) || s > 1e6)
        {
            error = $"{option} '{text}' is not a number of seconds";
            return false;
        }
        value = TimeSpan.FromSeconds(s);
        error = null;
        return true;
    }

    /// <summary>Parses a TCP port 1-65535 (0 allowed when <paramref name="allowZero"/>: any free port).</summary>
    public static bool TryParsePort(string text, string option, bool allowZero, out int port, [NotNullWhen(false)] out string? error) =>
        TryParseInt(text, option, allowZero ? 0 : 1, 65535, out port, out error);

    /// <summary>Parses <c>ADDR:PORT</c>: IPv4 as <c>198.18.0.2:1080</c>, IPv6 as <c>[::1]:1080</c> (RFC 3986 §3.2.2).</summary>
    public static bool TryParseEndpoint(string text, string option, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        int colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = $"{option} needs ADDR:PORT, e.g. 127.0.0.1:1080 (got '{text}')";
            return false;
        }
        string host = text[..colon];
        bool bracketed = host.Length > 2 && host[0] == '[' && host[^1] == ']';
        if (bracketed ? !TryParseAddress(host, out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 : !TryParseIPv4(host, out address))
        {
            error = host.Contains(':', StringComparison.Ordinal) && !bracketed
                ? $"{option} needs an IPv6 address in brackets, e.g. [::1]:1080 (got '{text}')"
                : InvalidAddress(bracketed ? host[1..^1] : host, option);
            return false;
        }
        if (!TryParsePort(text[(colon + 1)..], option + " port", allowZero: true, out int port, out error))
            return false;
        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>Parses curl's <c>--resolve HOST:PORT:ADDR</c> (PORT may be <c>*</c>).</summary>
    public static bool TryParseResolve(string text, [NotNullWhen(true)] out ResolveEntry? entry, [NotNullWhen(false)] out string? error)
    {
        entry = null;
        // HOST:PORT:ADDR, where ADDR may be an IPv6 address (bare or in brackets) with colons of its own.
        var parts = text.Split(':', 3);
        if (parts.Length != 3 || parts[0].Length == 0)
        {
            error = $"--resolve needs HOST:PORT:ADDR, e.g. example.test:80:198.18.0.1 (got '{text}')";
            return false;
        }
        int? port = null;
        if (parts[1] != "*")
        {
            if (!TryParsePort(parts[1], "--resolve port", allowZero: false, out int p, out error))
                return false;
            port = p;
        }
        if (!TryParseAddress(parts[2], out var address))
        {
            error = InvalidAddress(parts[2], "--resolve");
            return false;
        }
        entry = new ResolveEntry(parts[0], port, address);
        error = null;
        return true;
    }
}
