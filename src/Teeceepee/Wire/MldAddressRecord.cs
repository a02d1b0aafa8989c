namespace Teeceepee.Wire;

/// <summary>
/// One multicast address record of an MLDv2 report (RFC 3810 §5.2.4): its type, the multicast address
/// and the sources (empty for the any-source joins and leaves a host sends). Auxiliary data is not kept.
/// </summary>
public readonly record struct MldAddressRecord(MldRecordType Type, IPv6Address MulticastAddress, IPv6Address[]? Sources = null)
{
    /// <summary>Octets of the fixed part of a record (type, aux data length, source count, address).</summary>
    public const int HeaderLength = 20;

    /// <summary>A join of any source (CHANGE_TO_EXCLUDE_MODE with no sources, RFC 3810 §6.1).</summary>
    public static MldAddressRecord Join(IPv6Address group) => new(MldRecordType.ChangeToExclude, group);

    /// <summary>A leave (CHANGE_TO_INCLUDE_MODE with no sources, RFC 3810 §6.1).</summary>
    public static MldAddressRecord Leave(IPv6Address group) => new(MldRecordType.ChangeToInclude, group);

    /// <summary>How many sources the record lists.</summary>
    public int SourceCount => Sources?.Length ?? 0;

    /// <summary>Octets the record takes when emitted.</summary>
    public int BufferLength => HeaderLength + 16 * SourceCount;

    /// <summary>True when both records have the same type, address and sources.</summary>
    public bool Equals(MldAddressRecord other) =>
        Type == other.Type && MulticastAddress == other.MulticastAddress
        && (Sources ?? []).AsSpan().SequenceEqual(other.Sources ?? []);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, MulticastAddress, SourceCount);
}
