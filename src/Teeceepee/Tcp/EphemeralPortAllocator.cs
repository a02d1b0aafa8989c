using System.Buffers.Binary;
using System.Security.Cryptography;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>RFC 6056 Algorithm 3 ("Simple Hash-Based Port Selection"), range 49152-65535 by default.</summary>
/// <remarks>Each (local, remote, remote port) triple walks the range from its own keyed offset,
/// so ports are hard to guess from outside yet a reconnect to the same peer rarely reuses the
/// port just freed (the shared counter moves on).</remarks>
public sealed class EphemeralPortAllocator
{
    private readonly ulong _k0;
    private readonly ulong _k1;
    private readonly ushort _first;
    private readonly int _rangeSize;
    private uint _next; // next_ephemeral of RFC 6056 §3.3.3

    /// <summary>Creates an allocator with a 16-byte secret key over [<paramref name="first"/>, <paramref name="last"/>].</summary>
    public EphemeralPortAllocator(ReadOnlySpan<byte> key, ushort first = 49152, ushort last = 65535)
    {
        ArgumentOutOfRangeException.ThrowIfZero(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        (_k0, _k1) = SipHash.ReadKey(key);
        _first = first;
        _rangeSize = last - first + 1;
    }

    /// <summary>Creates an allocator with a random key over the default range.</summary>
    public static EphemeralPortAllocator CreateRandom()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        return new EphemeralPortAllocator(key);
    }

    /// <summary>Picks a port for which <paramref name="isInUse"/> is false; false when all are taken.</summary>
    public bool TryAllocate(NetAddress localAddress, NetAddress remoteAddress, ushort remotePort, Func<ushort, bool> isInUse, out ushort port)
    {
        ArgumentNullException.ThrowIfNull(isInUse);
        return TryAllocate(localAddress, remoteAddress, remotePort, isInUse, static (check, p) => check(p), out port);
    }

    /// <summary>Picks a port for which <paramref name="isInUse"/>(<paramref name="state"/>, port) is false; a static lambda plus state avoids a closure per connect.</summary>
    public bool TryAllocate<TState>(NetAddress localAddress, NetAddress remoteAddress, ushort remotePort, TState state, Func<TState, ushort, bool> isInUse, out ushort port)
    {
        ArgumentNullException.ThrowIfNull(isInUse);
        Span<byte> triple = stackalloc byte[34];
        IsnGenerator.WriteAddress(triple, localAddress);
        IsnGenerator.WriteAddress(triple[16..], remoteAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(triple[32..], remotePort);
        uint offset = (uint)(SipHash.Hash(_k0, _k1, triple) % (uint)_rangeSize);

        for (int count = _rangeSize; count > 0; count--)
        {
            // RFC 6056 §3.3.3: port = min + (next_ephemeral + offset) % num_ephemeral; next_ephemeral++ on every try.
            uint candidate = (uint)((offset + (ulong)_next) % (uint)_rangeSize);
            _next++;
            ushort p = (ushort)(_first + candidate);
            if (!isInUse(state, p))
            {
                port = p;
                return true;
            }
        }
        port = 0;
        return false;
    }
}
