using Teeceepee.Wire;

namespace Teeceepee.Dns;

/// <summary>
/// One answer record the resolver understands (RFC 1035 §3.2.1, §4.1.3, RFC 3596 §2): an A record carries
/// <see cref="Address"/>, an AAAA record <see cref="AddressV6"/>, a CNAME its <see cref="Target"/>. Records of
/// other types are skipped by the parser.
/// </summary>
public readonly record struct DnsRecord(string Name, DnsRecordType Type, uint TimeToLive, IPv4Address Address = default, string? Target = null)
{
    /// <summary>CLASS of the record (IN).</summary>
    public ushort Class { get; init; } = DnsQuestion.ClassInternet;

    /// <summary>The 128-bit address of an AAAA record (RFC 3596 §2.2).</summary>
    public IPv6Address AddressV6 { get; init; }

    /// <summary>The address of an A or AAAA record as either family.</summary>
    public NetAddress HostAddress => Type == DnsRecordType.AAAA ? new NetAddress(AddressV6) : new NetAddress(Address);

    /// <summary>An A record.</summary>
    public static DnsRecord ForAddress(string name, IPv4Address address, uint timeToLive) => new(name, DnsRecordType.A, timeToLive, address);

    /// <summary>An AAAA record.</summary>
    public static DnsRecord ForAddress(string name, IPv6Address address, uint timeToLive) => new(name, DnsRecordType.AAAA, timeToLive) { AddressV6 = address };

    /// <summary>A CNAME record.</summary>
    public static DnsRecord ForAlias(string name, string target, uint timeToLive) => new(name, DnsRecordType.CNAME, timeToLive, Target: target);
}
