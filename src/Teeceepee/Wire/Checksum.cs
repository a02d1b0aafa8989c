using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Teeceepee.Wire;

/// <summary>The Internet checksum (RFC 1071) and its incremental update (RFC 1624).</summary>
/// <remarks>
/// <see cref="Sum"/> returns an unfolded 32-bit accumulator so that pseudo-header, header and payload
/// sums can be added before one final <see cref="Fold"/>.
/// </remarks>
public static class Checksum
{
    /// <summary>Adds the 16-bit big-endian words of <paramref name="data"/> to <paramref name="initial"/> (odd tail padded with zero).</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong acc = initial;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong w = BinaryPrimitives.ReadUInt64BigEndian(data[i..]);
            acc += (w >> 32) + (w & 0xFFFF_FFFF);
        }
        for (; i + 2 <= data.Length; i += 2)
            acc += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            acc += (uint)data[i] << 8;
        return FoldTo32(acc);
    }

    /// <summary>Folds an accumulator to 16 bits and complements it: the value to put in a header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(uint sum)
    {
        sum = (sum >> 16) + (sum & 0xFFFF);
        sum += sum >> 16;
        return (ushort)~sum;
    }

    /// <summary>The checksum of <paramref name="data"/>: zero when data already contains a valid checksum field.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Fold(Sum(data));

    /// <summary>The IPv4 pseudo-header sum for UDP and TCP (RFC 768, RFC 9293 §3.1).</summary>
    public static uint PseudoHeader(IPv4Address source, IPv4Address destination, byte protocol, int length)
    {
        ulong acc = (source.Value >> 16) + (source.Value & 0xFFFF)
                  + (destination.Value >> 16) + (destination.Value & 0xFFFF)
                  + protocol + (uint)length;
        return FoldTo32(acc);
    }

    /// <summary>
    /// Updates a header checksum after one 16-bit field changed from <paramref name="oldValue"/> to
    /// <paramref name="newValue"/>, without summing the header again (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
    /// </summary>
    public static ushort Update(ushort checksum, ushort oldValue, ushort newValue)
    {
        uint sum = (uint)(ushort)~checksum + (ushort)~oldValue + newValue;
        return Fold(sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FoldTo32(ulong acc)
    {
        acc = (acc >> 32) + (acc & 0xFFFF_FFFF);
        acc = (acc >> 32) + (acc & 0xFFFF_FFFF);
        return (uint)acc;
    }
}
