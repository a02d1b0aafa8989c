using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>RFC 6528 ISNs: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4-microsecond timer.</summary>
public sealed class IsnGenerator
{
    /// <summary>Creates a generator with a 16-byte secret key.</summary>
    public IsnGenerator(ReadOnlySpan<byte> key) => throw new NotImplementedException();

    /// <summary>Creates a generator with a key from <see cref="System.Security.Cryptography.RandomNumberGenerator"/>.</summary>
    public static IsnGenerator CreateRandom() => throw new NotImplementedException();

    /// <summary>The ISN for a new connection on this 4-tuple at <paramref name="now"/>.</summary>
    public SeqNumber Next(Instant now, IPv4Address localAddress, ushort localPort, IPv4Address remoteAddress, ushort remotePort) =>
        throw new NotImplementedException();
}
