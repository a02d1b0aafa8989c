using System.Runtime.CompilerServices;

namespace Teeceepee.Wire;

/// <summary>A TCP sequence number: 32-bit modular arithmetic and comparisons (RFC 9293 §3.4).</summary>
/// <remarks>
/// Comparisons are wrap-aware: <c>a &lt; b</c> means <c>b</c> lies less than 2^31 ahead of <c>a</c>.
/// That makes the order meaningful only for numbers within half the sequence space of each other,
/// which every window satisfies.
/// </remarks>
public readonly record struct SeqNumber(uint Value) : IComparable<SeqNumber>
{
    /// <summary>Advances by <paramref name="count"/> octets, modulo 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator +(SeqNumber seq, int count) => new(unchecked(seq.Value + (uint)count));

    /// <summary>Steps back by <paramref name="count"/> octets, modulo 2^32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SeqNumber operator -(SeqNumber seq, int count) => new(unchecked(seq.Value - (uint)count));

    /// <summary>The signed distance from <paramref name="b"/> to <paramref name="a"/> (a - b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int operator -(SeqNumber a, SeqNumber b) => unchecked((int)(a.Value - b.Value));

    /// <summary>Wrap-aware less-than (RFC 9293 §3.4).</summary>
    public static bool operator <(SeqNumber a, SeqNumber b) => (a - b) < 0;

    /// <summary>Wrap-aware greater-than.</summary>
    public static bool operator >(SeqNumber a, SeqNumber b) => (a - b) > 0;

    /// <summary>Wrap-aware less-than-or-equal.</summary>
    public static bool operator <=(SeqNumber a, SeqNumber b) => (a - b) <= 0;

    /// <summary>Wrap-aware greater-than-or-equal.</summary>
    public static bool operator >=(SeqNumber a, SeqNumber b) => (a - b) >= 0;

    /// <summary>The later of two sequence numbers.</summary>
    public static SeqNumber Max(SeqNumber a, SeqNumber b) => a > b ? a : b;

    /// <summary>The earlier of two sequence numbers.</summary>
    public static SeqNumber Min(SeqNumber a, SeqNumber b) => a < b ? a : b;

    /// <summary>True when <c>start &lt;= this &lt; start + length</c> (the receive-window test of RFC 9293 §3.10.7.4).</summary>
    public bool InWindow(SeqNumber start, uint length) => unchecked(Value - start.Value) < length;

    /// <summary>True when <c>low &lt;= this &lt;= high</c> in sequence space.</summary>
    public bool InRangeInclusive(SeqNumber low, SeqNumber high) => unchecked(Value - low.Value) <= unchecked(high.Value - low.Value);

    /// <inheritdoc />
    public int CompareTo(SeqNumber other) => (this - other) switch { < 0 => -1, > 0 => 1, _ => 0 };

    /// <inheritdoc />
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
