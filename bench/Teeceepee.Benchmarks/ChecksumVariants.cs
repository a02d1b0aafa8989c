using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Teeceepee.Benchmarks;

/// <summary>Alternative Internet-checksum loops, kept only to compare against <c>Checksum.Sum</c>.</summary>
internal static class ChecksumVariants
{
    /// <summary>The original scalar loop: one big-endian 64-bit read per 8 octets.</summary>
    public static ushort ScalarBigEndian(ReadOnlySpan<byte> data)
    {
        ulong acc = 0;
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
        return Fold(acc, swap: false);
    }

    /// <summary>Native-order 64-bit words with an explicit carry, unrolled four deep.</summary>
    public static ushort ScalarCarry(ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        ulong s0 = 0, s1 = 0, c0 = 0, c1 = 0;
        int i = 0;
        for (; i + 32 <= data.Length; i += 32)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            ulong b = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 8));
            ulong c = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 16));
            ulong d = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i + 24));
            s0 += a; c0 += s0 < a ? 1UL : 0UL;
            s1 += b; c1 += s1 < b ? 1UL : 0UL;
            s0 += c; c0 += s0 < c ? 1UL : 0UL;
            s1 += d; c1 += s1 < d ? 1UL : 0UL;
        }
        // Fold each 64-bit sum to 32 bits (2^32 ≡ 1) and add the carries (2^64 ≡ 1).
        ulong acc = (s0 >> 32) + (uint)s0 + (s1 >> 32) + (uint)s1 + c0 + c1;
        for (; i + 2 <= data.Length; i += 2)
            acc += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref p, i));
        if (i < data.Length)
            acc += Unsafe.Add(ref p, i);
        return Fold(acc, swap: true);
    }

    private static ushort Fold(ulong acc, bool swap)
    {
        acc = (acc >> 32) + (uint)acc;
        acc = (acc >> 32) + (uint)acc;
        uint a = (uint)acc;
        a = (a >> 16) + (a & 0xFFFF);
        a = (a >> 16) + (a & 0xFFFF);
        if (swap)
            a = BinaryPrimitives.ReverseEndianness((ushort)a);
        return (ushort)~a;
    }
}
