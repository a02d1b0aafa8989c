using System.Buffers.Binary;
using System.Security.Cryptography;
using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>
/// Stable, semantically opaque interface identifiers (RFC 7217 §5):
/// RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key), here SHA-256 over those inputs, truncated to 64 bits.
/// The same prefix on the same interface gives the same address; another prefix gives an unrelated one.
/// </summary>
internal static class StableInterfaceId
{
    /// <summary>The address for <paramref name="prefix"/> (a /64) on the interface with <paramref name="mac"/>.</summary>
    public static IPv6Address Create(IPv6Address prefix, MacAddress mac, int dadCounter, ReadOnlySpan<byte> secret)
    {
        Span<byte> input = stackalloc byte[8 + 6 + 4 + 256];
        int secretLength = Math.Min(secret.Length, 256);
        BinaryPrimitives.WriteUInt64BigEndian(input, prefix.High);
        mac.WriteTo(input[8..]);
        BinaryPrimitives.WriteInt32BigEndian(input[14..], dadCounter);
        secret[..secretLength].CopyTo(input[18..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input[..(18 + secretLength)], hash);
        ulong iid = BinaryPrimitives.ReadUInt64BigEndian(hash);
        // RFC 5453: never the all-zero (subnet-router anycast) nor the reserved fdff:ffff:ffff:ff80/121 identifiers.
        if (iid == 0 || (iid & 0xFFFF_FFFF_FFFF_FF80UL) == 0xFDFF_FFFF_FFFF_FF80UL)
            iid ^= 0x0200_0000_0000_0001UL;
        return new IPv6Address(prefix.High, iid);
    }
}
