using System.Globalization;
using System.Text;

namespace Teeceepee.Links;

/// <summary>Number appends for <see cref="Tracer"/> lines that format into a stack buffer (no allocation).</summary>
internal static class TraceFormatting
{
    /// <summary>Appends a decimal number.</summary>
    internal static StringBuilder AppendNumber(this StringBuilder sb, long value)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out int n, default, CultureInfo.InvariantCulture);
        return sb.Append(digits[..n]);
    }

    /// <summary>Appends lower-case hex, zero-padded to <paramref name="width"/> digits.</summary>
    internal static StringBuilder AppendHex(this StringBuilder sb, int value, int width)
    {
        for (int shift = (width - 1) * 4; shift >= 0; shift -= 4)
            sb.Append("0123456789abcdef"[(value >> shift) & 0xF]);
        return sb;
    }
}
