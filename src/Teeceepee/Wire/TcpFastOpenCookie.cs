using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>
/// The TCP Fast Open option's cookie (kind 34, RFC 7413 §4.1.1): 4 to 16 octets, or none for a cookie request,
/// stored inline (no allocation).
/// </summary>
public readonly record struct TcpFastOpenCookie
{
    /// <summary>The shortest cookie (RFC 7413 §4.1.1).</summary>
    public const int MinLength = 4;

    /// <summary>The longest cookie (RFC 7413 §4.1.1).</summary>
    public const int MaxLength = 16;

    private readonly ulong _high;
    private readonly ulong _low;

    private TcpFastOpenCookie(ulong high, ulong low, int length)
    {
        _high = high;
        _low = low;
        Length = length;
    }

    /// <summary>The empty option: a client asks for a cookie (RFC 7413 §4.1.2).</summary>
    public static TcpFastOpenCookie Request => default;

    /// <summary>Cookie octets (0 for a request).</summary>
    public int Length { get; }

    /// <summary>True for the empty option, a cookie request.</summary>
    public bool IsRequest => Length == 0;

    /// <summary>Option length on the wire: kind, length and the cookie (RFC 7413 §4.1.1).</summary>
    public int OptionLength => 2 + Length;

    /// <summary>Reads a cookie of 0 or 4–16 octets; false for any other length.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> octets, out TcpFastOpenCookie cookie)
    {
        if (octets.Length != 0 && (octets.Length < MinLength || octets.Length > MaxLength))
        {
            cookie = default;
            return false;
        }
        Span<byte> padded = stackalloc byte[MaxLength];
        padded.Clear();
        octets.CopyTo(padded);
        cookie = new TcpFastOpenCookie(BinaryPrimitives.ReadUInt64BigEndian(padded), BinaryPrimitives.ReadUInt64BigEndian(padded[8..]), octets.Length);
        return true;
    }

    /// <summary>Writes the <see cref="Length"/> cookie octets into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        Span<byte> padded = stackalloc byte[MaxLength];
        BinaryPrimitives.WriteUInt64BigEndian(padded, _high);
        BinaryPrimitives.WriteUInt64BigEndian(padded[8..], _low);
        padded[..Length].CopyTo(destination);
    }

    /// <inheritdoc/>
    public override string ToString() => IsRequest ? "request" : $"{_high:x16}{_low:x16}"[..(2 * Length)];
}
