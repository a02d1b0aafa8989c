namespace Teeceepee.Wire;

/// <summary>
/// A recursive DNS server option (RFC 8106 §5.1) with one or two servers and their lifetime in seconds.
/// An option with more servers is read in full through <see cref="NdpOption.GetRdnssServer"/>.
/// </summary>
public readonly record struct NdpRdnss(uint Lifetime, IPv6Address Server, IPv6Address? SecondServer = null)
{
    /// <summary>How many servers this value carries.</summary>
    public int Count => SecondServer is null ? 1 : 2;
}
