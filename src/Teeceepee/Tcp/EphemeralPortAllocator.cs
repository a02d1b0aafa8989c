using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>RFC 6056 Algorithm 3 ("Simple Hash-Based Port Selection"), range 49152-65535 by default.</summary>
public sealed class EphemeralPortAllocator
{
    /// <summary>Creates an allocator with a 16-byte secret key over [<paramref name="first"/>, <paramref name="last"/>].</summary>
    public EphemeralPortAllocator(ReadOnlySpan<byte> key, ushort first = 49152, ushort last = 65535) => throw new NotImplementedException();

    /// <summary>Creates an allocator with a random key over the default range.</summary>
    public static EphemeralPortAllocator CreateRandom() => throw new NotImplementedException();

    /// <summary>Picks a port for which <paramref name="isInUse"/> is false; false when all are taken.</summary>
    public bool TryAllocate(IPv4Address localAddress, IPv4Address remoteAddress, ushort remotePort, Func<ushort, bool> isInUse, out ushort port) =>
        throw new NotImplementedException();
}
