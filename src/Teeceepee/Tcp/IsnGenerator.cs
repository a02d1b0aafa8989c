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
    public SeqNumber Next(Instant now, IPv4Address localAddress, ushort localPort, IPv4Address remoteAddress, ushort remotePort)
    {
        Span<byte> tuple = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(tuple, localAddress.Value);
        BinaryPrimitives.WriteUInt32LittleEndian(tuple[4..], remoteAddress.Value);
        BinaryPrimitives.WriteUInt16LittleEndian(tuple[8..], localPort);
        BinaryPrimitives.WriteUInt16LittleEndian(tuple[10..], remotePort);
        uint f = (uint)SipHash.Hash(_k0, _k1, tuple);
        uint m = unchecked((uint)(now.Ticks / TicksPerIsnStep));
        return new SeqNumber(unchecked(m + f));
    }
}
