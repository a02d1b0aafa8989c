using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Teeceepee.Tcp;

/// <summary>SipHash-2-4 (Aumasson and Bernstein, 2012): the keyed PRF behind ISNs, ephemeral ports and SYN cookies.</summary>
internal static class SipHash
{
    /// <summary>Reads the two 64-bit key words (little-endian) from a 16-byte key.</summary>
    public static (ulong K0, ulong K1) ReadKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != 16)
            throw new ArgumentException("The key must be 16 bytes.", nameof(key));
        return (BinaryPrimitives.ReadUInt64LittleEndian(key), BinaryPrimitives.ReadUInt64LittleEndian(key[8..]));
    }

    /// <summary>SipHash-2-4 of <paramref name="message"/> under the key (k0, k1).</summary>
    public static ulong Hash(ulong k0, ulong k1, ReadOnlySpan<byte> message)
    {
        ulong v0 = k0 ^ 0x736f6d6570736575UL;
        ulong v1 = k1 ^ 0x646f72616e646f6dUL;
        ulong v2 = k0 ^ 0x6c7967656e657261UL;
        ulong v3 = k1 ^ 0x7465646279746573UL;

        int whole = message.Length & ~7;
        for (int i = 0; i < whole; i += 8)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(message[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        // Last block: the remaining 0-7 bytes, little-endian, with the length (mod 256) in the top byte.
        ulong last = (ulong)(byte)message.Length << 56;
        var tail = message[whole..];
        for (int i = 0; i < tail.Length; i++)
            last |= (ulong)tail[i] << (8 * i);
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;

        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
            Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = BitOperations.RotateLeft(v1, 13); v1 ^= v0; v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3; v3 = BitOperations.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = BitOperations.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = BitOperations.RotateLeft(v1, 17); v1 ^= v2; v2 = BitOperations.RotateLeft(v2, 32);
    }
}
