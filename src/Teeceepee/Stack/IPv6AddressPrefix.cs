using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>An IPv6 address with the length of its on-link prefix, as written <c>2001:db8::2/64</c>.</summary>
/// <param name="Address">The address.</param>
/// <param name="PrefixLength">The on-link prefix length (0..128; 64 for SLAAC, RFC 4862 §5.5.3).</param>
public readonly record struct IPv6AddressPrefix(IPv6Address Address, int PrefixLength)
{
    /// <summary>The prefix itself (the address with the host bits cleared).</summary>
    public IPv6Address Prefix => Address.Prefix(PrefixLength);

    /// <summary>True when <paramref name="other"/> is on this prefix.</summary>
    public bool Contains(IPv6Address other) => Address.IsInSameSubnet(other, PrefixLength);

    /// <summary>Parses <c>address/prefix</c>; a bare address gets a /64.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IPv6AddressPrefix value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        int length = 64;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > 128))
            return false;
        if (!IPv6Address.TryParse(slash >= 0 ? text[..slash] : text, out var address) || address.IsMulticast || address.IsUnspecified)
            return false;
        value = new IPv6AddressPrefix(address, length);
        return true;
    }

    /// <summary>Parses <c>address/prefix</c>, throwing <see cref="FormatException"/> on bad input.</summary>
    public static IPv6AddressPrefix Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not an IPv6 address with a prefix length.");

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{PrefixLength}");
}
