using System.Buffers.Binary;
using System.Security.Cryptography;
using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>
/// Stable, semantically opaque interface identifiers (RFC 7217 §5):
/// RID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key), here SHA-256 over those inputs (no Network_ID, which
/// §5 makes optional), truncated to 64 bits. The same prefix on the same interface gives the same address on every start
/// while the secret stays the same (<see cref="HostStableSecret"/>); another prefix, interface or DAD counter gives an
/// unrelated one.
/// </summary>
internal static class StableInterfaceId
{
    /// <summary>IDGEN_RETRIES (RFC 7217 §7): new identifiers tried after duplicate address detection failed.</summary>
    public const int IdgenRetries = 3;

    /// <summary>The longest Net_Iface taken into the hash (an interface name is at most 15 octets on Linux).</summary>
    public const int MaxInterfaceLength = 64;

    /// <summary>
    /// The address for <paramref name="prefix"/> (a /64) on the interface named by <paramref name="netIface"/> (its name, or
    /// its MAC where it has none), after <paramref name="dadCounter"/> duplicates.
    /// </summary>
    public static IPv6Address Create(IPv6Address prefix, ReadOnlySpan<byte> netIface, int dadCounter, ReadOnlySpan<byte> secret)
    {
        int ifaceLength = Math.Min(netIface.Length, MaxInterfaceLength);
        int secretLength = Math.Min(secret.Length, 256);
        Span<byte> input = stackalloc byte[8 + 1 + MaxInterfaceLength + 4 + 256];
        BinaryPrimitives.WriteUInt64BigEndian(input, prefix.High);
        input[8] = (byte)ifaceLength; // length-prefixed, so no two (Net_Iface, DAD_Counter) pairs hash the same octets
        netIface[..ifaceLength].CopyTo(input[9..]);
        int at = 9 + ifaceLength;
        BinaryPrimitives.WriteInt32BigEndian(input[at..], dadCounter);
        secret[..secretLength].CopyTo(input[(at + 4)..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input[..(at + 4 + secretLength)], hash);
        ulong iid = BinaryPrimitives.ReadUInt64BigEndian(hash);
        // RFC 5453: never the all-zero (subnet-router anycast) nor the reserved fdff:ffff:ffff:ff80/121 identifiers.
        if (iid == 0 || (iid & 0xFFFF_FFFF_FFFF_FF80UL) == 0xFDFF_FFFF_FFFF_FF80UL)
            iid ^= 0x0200_0000_0000_0001UL;
        return new IPv6Address(prefix.High, iid);
    }
}
