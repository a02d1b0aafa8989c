using Teeceepee.Wire;

namespace Teeceepee.Dns;

/// <summary>
/// One answer record the resolver understands (RFC 1035 §3.2.1, §4.1.3): an A record carries
/// <see cref="Address"/>, a CNAME its <see cref="Target"/>. Records of other types are skipped by the parser.
/// </summary>
public readonly record struct DnsRecord(string Name, DnsRecordType Type, uint TimeToLive, IPv4Address Address = default, string? Target = null)
{
    /// <summary>CLASS of the record (IN).</summary>
    public ushort Class { get; init; } = DnsQuestion.ClassInternet;

    /// <summary>An A record.</summary>
    public static DnsRecord ForAddress(string name, IPv4Address address, uint timeToLive) => new(name, DnsRecordType.A, timeToLive, address);

    /// <summary>A CNAME record.</summary>
    public static DnsRecord ForAlias(string name, string target, uint timeToLive) => new(name, DnsRecordType.CNAME, timeToLive, Target: target);
}
