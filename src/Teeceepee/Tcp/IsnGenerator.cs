using System.Buffers.Binary;
using System.Security.Cryptography;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>RFC 6528 ISNs: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4-microsecond timer.</summary>
/// <remarks>F is SipHash-2-4 (truncated to 32 bits), the keyed PRF RFC 6528 §3 asks for. For one
/// 4-tuple the ISN then advances with the clock, so a new incarnation starts above the old one's
/// sequence numbers (RFC 9293 §3.4.1); across tuples the offsets are unpredictable.</remarks>
public sealed class IsnGenerator
{
    private const long TicksPerIsnStep = 40; // 4 µs in 100 ns ticks (RFC 6528 §3)

    private readonly ulong _k0;
    private readonly ulong _k1;

    /// <summary>Creates a generator with a 16-byte secret key.</summary>
    public IsnGenerator(ReadOnlySpan<byte> key) => (_k0, _k1) = SipHash.ReadKey(key);

    /// <summary>Creates a generator with a key from <see cref="RandomNumberGenerator"/>.</summary>
    public static IsnGenerator CreateRandom()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        return new IsnGenerator(key);
    }

    /// <summary>The ISN for a new connection on this 4-tuple at <paramref name="now"/>.</summary>
    public SeqNumber Next(Instant now, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort)
    {
        // RFC 6528 §3: F over the whole 4-tuple, addresses as 16 octets (IPv4 ones mapped) so both families share it.
        Span<byte> tuple = stackalloc byte[36];
        WriteAddress(tuple, localAddress);
        WriteAddress(tuple[16..], remoteAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(tuple[32..], localPort);
        BinaryPrimitives.WriteUInt16LittleEndian(tuple[34..], remotePort);
        uint f = (uint)SipHash.Hash(_k0, _k1, tuple);
        uint m = unchecked((uint)(now.Ticks / TicksPerIsnStep));
        return new SeqNumber(unchecked(m + f));
    }

    /// <summary>Writes the 16 octets of <paramref name="address"/> for hashing.</summary>
    internal static void WriteAddress(Span<byte> destination, in NetAddress address)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, address.High);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], address.Low);
    }
}
