using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>RFC 4987 §3.6 SYN cookies: a coarse timestamp and an MSS index encoded into the ISN.</summary>
public sealed class SynCookies
{
    /// <summary>Creates the cookie jar with a 16-byte secret key.</summary>
    public SynCookies(ReadOnlySpan<byte> key) => throw new NotImplementedException();

    /// <summary>Creates the cookie jar with a random key.</summary>
    public static SynCookies CreateRandom() => throw new NotImplementedException();

    /// <summary>The ISN to send in the SYN-ACK.</summary>
    public SeqNumber Create(Instant now, IPv4Address localAddress, ushort localPort, IPv4Address remoteAddress, ushort remotePort, SeqNumber clientIsn, ushort mss) =>
        throw new NotImplementedException();

    /// <summary>Checks the ACK number of the third segment (cookie + 1); returns the encoded MSS.</summary>
    public bool TryValidate(Instant now, IPv4Address localAddress, ushort localPort, IPv4Address remoteAddress, ushort remotePort, SeqNumber clientIsn, SeqNumber ack, out ushort mss) =>
        throw new NotImplementedException();
}
