namespace Teeceepee.Dns;

/// <summary>Resource record TYPE values (RFC 1035 §3.2.2, RFC 3596).</summary>
public enum DnsRecordType : ushort
{
    /// <summary>A host address.</summary>
    A = 1,
    /// <summary>An authoritative name server.</summary>
    NS = 2,
    /// <summary>The canonical name for an alias.</summary>
    CNAME = 5,
    /// <summary>Start of a zone of authority.</summary>
    SOA = 6,
    /// <summary>A domain name pointer.</summary>
    PTR = 12,
    /// <summary>Mail exchange.</summary>
    MX = 15,
    /// <summary>Text strings.</summary>
    TXT = 16,
    /// <summary>An IPv6 host address.</summary>
    AAAA = 28,
}
