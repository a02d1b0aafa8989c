using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>An MLDv2 report (RFC 3810 §5.2): the records a host sends when it joins or leaves groups.</summary>
public readonly record struct MldReportRepr(MldAddressRecord[] Records)
{
    /// <summary>Octets of the whole ICMPv6 message.</summary>
    public int BufferLength
    {
        get
        {
            int length = MldReport.HeaderLength;
            foreach (var r in Records)
                length += r.BufferLength;
            return length;
        }
    }

    /// <summary>Reads a validated report (allocates the records).</summary>
    public static bool TryParse(in MldReport report, out MldReportRepr repr, out WireError reason)
    {
        repr = new MldReportRepr(report.ReadRecords());
        reason = WireError.None;
        return true;
    }

    /// <summary>
    /// Writes the whole message and its checksum into <paramref name="buffer"/> (exactly
    /// <see cref="BufferLength"/> octets, or longer: only that prefix is used). Records carry no auxiliary data.
    /// </summary>
    public void Emit(Span<byte> buffer, IPv6Address source, IPv6Address destination)
    {
        var message = buffer[..BufferLength];
        message[..MldReport.HeaderLength].Clear();
        message[0] = (byte)Icmpv6Type.Mldv2Report;
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)Records.Length);
        var o = message[MldReport.HeaderLength..];
        foreach (var r in Records)
        {
            o[0] = (byte)r.Type;
            o[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(o[2..], (ushort)r.SourceCount);
            r.MulticastAddress.WriteTo(o[4..]);
            for (int s = 0; s < r.SourceCount; s++)
                r.Sources![s].WriteTo(o[(MldAddressRecord.HeaderLength + 16 * s)..]);
            o = o[r.BufferLength..];
        }
        Icmpv6Repr.WriteChecksum(message, source, destination);
    }

    /// <inheritdoc />
    public bool Equals(MldReportRepr other) => Records.AsSpan().SequenceEqual(other.Records);

    /// <inheritdoc />
    public override int GetHashCode() => Records.Length;
}
