using System.Text;

namespace Teeceepee.Dns;

/// <summary>
/// Domain names on the wire (RFC 1035 §3.1, §4.1.4): length-prefixed labels ending in the root
/// label, possibly ending in a compression pointer. Names are held as dotted text without the
/// trailing dot ("" is the root); octets outside printable ASCII are kept as Latin-1 characters.
/// </summary>
public static class DnsName
{
    /// <summary>Longest name on the wire, length octets and root label included (RFC 1035 §2.3.4).</summary>
    public const int MaxLength = 255;

    /// <summary>Longest label (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Reads the name at <paramref name="offset"/> of <paramref name="message"/>, following
    /// compression pointers. <paramref name="next"/> is the offset just after the name where it
    /// started (after the first pointer if there is one). Pointers must point strictly backwards,
    /// each before the previous target, so every name terminates.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, int offset, out string name, out int next, out DnsError reason)
    {
        name = "";
        next = -1;
        Span<char> text = stackalloc char[MaxLength];
        int textLength = 0;
        int wireLength = 1; // the root label
        int position = offset;
        int floor = offset; // a pointer must land before this: strictly decreasing targets, no loops
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                reason = DnsError.TruncatedRecord;
                return false;
            }
            byte length = message[position];
            switch (length & 0xC0)
            {
                case 0x00:
                    break;
                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        reason = DnsError.TruncatedRecord;
                        return false;
                    }
                    int target = ((length & 0x3F) << 8) | message[position + 1];
                    if (next < 0)
                        next = position + 2;
                    if (target >= position)
                    {
                        reason = DnsError.BadPointer;
                        return false;
                    }
                    if (target >= floor)
                    {
                        reason = DnsError.PointerLoop;
                        return false;
                    }
                    floor = target;
                    position = target;
                    continue;
                default:
                    // 0x40 was extended labels (RFC 6891 §5 retired it); 0x80 is reserved.
                    reason = DnsError.BadLabelType;
                    return false;
            }
            if (length == 0)
            {
                if (next < 0)
                    next = position + 1;
                break;
            }
            wireLength += 1 + length;
            if (wireLength > MaxLength)
            {
                reason = DnsError.NameTooLong;
                return false;
            }
            if (position + 1 + length > message.Length)
            {
                reason = DnsError.TruncatedRecord;
                return false;
            }
            if (textLength > 0)
                text[textLength++] = '.';
            foreach (byte b in message.Slice(position + 1, length))
                text[textLength++] = (char)b;
            position += 1 + length;
        }
        name = textLength == 0 ? "" : new string(text[..textLength]);
        reason = DnsError.None;
        return true;
    }

    /// <summary>
    /// The uncompressed wire length of <paramref name="name"/> (a trailing dot is allowed), or false
    /// with <see cref="DnsError.BadLabel"/> (an empty or over-long label) or <see cref="DnsError.NameTooLong"/>.
    /// </summary>
    public static bool TryGetWireLength(string name, out int length, out DnsError reason)
    {
        ArgumentNullException.ThrowIfNull(name);
        length = 0;
        var span = Trim(name);
        int total = 1;
        while (!span.IsEmpty)
        {
            int dot = span.IndexOf('.');
            var label = dot < 0 ? span : span[..dot];
            if (label.IsEmpty || label.Length > MaxLabelLength)
            {
                reason = DnsError.BadLabel;
                return false;
            }
            foreach (char c in label)
            {
                if (c > 0xFF)
                {
                    reason = DnsError.BadLabel;
                    return false;
                }
            }
            total += 1 + label.Length;
            span = dot < 0 ? default : span[(dot + 1)..];
            if (dot >= 0 && span.IsEmpty)
            {
                reason = DnsError.BadLabel; // "a..": an empty label before the end
                return false;
            }
        }
        if (total > MaxLength)
        {
            reason = DnsError.NameTooLong;
            return false;
        }
        length = total;
        reason = DnsError.None;
        return true;
    }

    /// <summary>True when <paramref name="name"/> can be sent: labels of 1..63 octets, 255 octets at most.</summary>
    public static bool IsValid(string name) => TryGetWireLength(name, out _, out _);

    /// <summary>Writes <paramref name="name"/> uncompressed; returns the octets written. The name must be valid.</summary>
    public static int Write(Span<byte> destination, string name)
    {
        var span = Trim(name);
        int position = 0;
        while (!span.IsEmpty)
        {
            int dot = span.IndexOf('.');
            var label = dot < 0 ? span : span[..dot];
            destination[position++] = (byte)label.Length;
            foreach (char c in label)
                destination[position++] = (byte)c;
            span = dot < 0 ? default : span[(dot + 1)..];
        }
        destination[position++] = 0;
        return position;
    }

    /// <summary>Compares names as DNS does: ASCII letters case-insensitively (RFC 4343), a trailing dot ignored.</summary>
    public static bool Equals(string? a, string? b)
    {
        if (a is null || b is null)
            return a is null && b is null;
        return Trim(a).Equals(Trim(b), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The name in lower case without a trailing dot (a cache key).</summary>
    public static string Normalize(string name)
    {
        var span = Trim(name);
        var builder = new StringBuilder(span.Length);
        foreach (char c in span)
            builder.Append(c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
        return builder.ToString();
    }

    private static ReadOnlySpan<char> Trim(string name)
    {
        var span = name.AsSpan();
        return span.Length > 0 && span[^1] == '.' ? span[..^1] : span;
    }
}
