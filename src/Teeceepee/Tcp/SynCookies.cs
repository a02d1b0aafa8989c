using System.Buffers.Binary;
using System.Security.Cryptography;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>RFC 4987 §3.6 SYN cookies: a coarse timestamp and an MSS index encoded into the ISN.</summary>
/// <remarks>
/// Layout of the cookie (the SYN-ACK's ISN), as RFC 4987 §3.6 describes it:
/// <code>
///  31      27 26  24 23                                0
/// +----------+------+----------------------------------+
/// | t mod 32 | MSS  |  SipHash(key; tuple, client ISN,  |
/// |          | index|          t, MSS index) mod 2^24  |
/// +----------+------+----------------------------------+
/// </code>
/// t counts 64-second periods; a cookie validates during its own period and the next one
/// (64 to 128 s). The MSS index is part of the hashed input, so it cannot be altered.
/// </remarks>
public sealed class SynCookies
{
    /// <summary>The MSS values a cookie can carry; the client's MSS is rounded down to one of them.</summary>
    public static ReadOnlySpan<ushort> MssTable => [64, 536, 1220, 1360, 1400, 1440, 1460, 8960];

    private const long TicksPerPeriod = 64 * TimeSpan.TicksPerSecond;
    private const int ValidPeriods = 2;

    private readonly ulong _k0;
    private readonly ulong _k1;

    /// <summary>Creates the cookie jar with a 16-byte secret key.</summary>
    public SynCookies(ReadOnlySpan<byte> key) => (_k0, _k1) = SipHash.ReadKey(key);

    /// <summary>Creates the cookie jar with a random key.</summary>
    public static SynCookies CreateRandom()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        return new SynCookies(key);
    }

    /// <summary>The ISN to send in the SYN-ACK, encoding the time and <paramref name="mss"/> rounded down to <see cref="MssTable"/>.</summary>
    public SeqNumber Create(Instant now, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort, SeqNumber clientIsn, ushort mss)
    {
        var table = MssTable;
        int index = 0;
        while (index + 1 < table.Length && table[index + 1] <= mss)
            index++;
        long period = Period(now);
        uint hash = Hash(period, index, localAddress, localPort, remoteAddress, remotePort, clientIsn);
        return new SeqNumber(((uint)(period & 31) << 27) | ((uint)index << 24) | hash);
    }

    /// <summary>Checks the ACK number of the third segment (cookie + 1); on success returns the encoded MSS.</summary>
    public bool TryValidate(Instant now, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort, SeqNumber clientIsn, SeqNumber ack, out ushort mss)
    {
        mss = 0;
        uint cookie = (ack - 1).Value;
        int index = (int)((cookie >> 24) & 7);
        long current = Period(now);
        // The cookie's period is the latest one not after now whose low 5 bits match.
        long age = (current - (cookie >> 27)) & 31;
        if (age >= ValidPeriods)
            return false;
        long period = current - age;
        if (Hash(period, index, localAddress, localPort, remoteAddress, remotePort, clientIsn) != (cookie & 0xFF_FFFF))
            return false;
        mss = MssTable[index];
        return true;
    }

    private static long Period(Instant now) => now.Ticks / TicksPerPeriod;

    private uint Hash(long period, int mssIndex, NetAddress localAddress, ushort localPort, NetAddress remoteAddress, ushort remotePort, SeqNumber clientIsn)
    {
        Span<byte> input = stackalloc byte[49];
        IsnGenerator.WriteAddress(input, localAddress);
        IsnGenerator.WriteAddress(input[16..], remoteAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(input[32..], localPort);
        BinaryPrimitives.WriteUInt16LittleEndian(input[34..], remotePort);
        BinaryPrimitives.WriteUInt32LittleEndian(input[36..], clientIsn.Value);
        BinaryPrimitives.WriteInt64LittleEndian(input[40..], period);
        input[48] = (byte)mssIndex;
        return (uint)SipHash.Hash(_k0, _k1, input) & 0xFF_FFFF;
    }
}
