namespace Teeceepee.Dns;

/// <summary>One entry of the question section (RFC 1035 §4.1.2); the name without the trailing dot.</summary>
public readonly record struct DnsQuestion(string Name, DnsRecordType Type, ushort Class = DnsQuestion.ClassInternet)
{
    /// <summary>CLASS IN.</summary>
    public const ushort ClassInternet = 1;

    /// <summary>True when <paramref name="other"/> asks the same (names compare case-insensitively, RFC 4343).</summary>
    public bool Matches(in DnsQuestion other) =>
        Type == other.Type && Class == other.Class && DnsName.Equals(Name, other.Name);
}
