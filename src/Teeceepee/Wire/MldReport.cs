using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  MLDv2 report (RFC 3810 §5.2):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Type = 143   |    Reserved   |           Checksum            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           Reserved            |Nr of Mcast Address Records (M)|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Record Type  |  Aux Data Len |     Number of Sources (N)     |   } M records
//  |                Multicast Address (16 octets)                  |   }
//  |                Source Address [1..N] (16 octets each)         |   }
//  |                Auxiliary Data (Aux Data Len × 4 octets)       |   }
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Sent to ff02::16 with hop limit 1 and a Router Alert hop-by-hop option (§5, RFC 2711).

/// <summary>A validated view of an MLDv2 report: every record lies inside the message.</summary>
public readonly ref struct MldReport
{
    /// <summary>Octets before the first record.</summary>
    public const int HeaderLength = 8;

    private readonly ReadOnlySpan<byte> _buffer;

    private MldReport(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Validates a parsed ICMPv6 message (checksum already verified) as an MLDv2 report: type 143, the
    /// 8-octet header, and as many records as it announces, each inside the message (RFC 3810 §5.2),
    /// else <see cref="WireError.BadMldRecord"/>; other types are <see cref="WireError.UnsupportedIcmpv6"/>.
    /// </summary>
    public static bool TryParse(in Icmpv6Packet packet, out MldReport report, out WireError reason)
    {
        report = default;
        var buffer = packet.Buffer;
        if (packet.Type != Icmpv6Type.Mldv2Report)
        {
            reason = WireError.UnsupportedIcmpv6;
            return false;
        }
        int count = BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]);
        int offset = HeaderLength;
        for (int i = 0; i < count; i++)
        {
            if (offset + MldAddressRecord.HeaderLength > buffer.Length)
            {
                reason = WireError.BadMldRecord;
                return false;
            }
            offset += RecordLength(buffer[offset..]);
            if (offset > buffer.Length)
            {
                reason = WireError.BadMldRecord;
                return false;
            }
        }
        report = new MldReport(buffer[..offset]);
        reason = WireError.None;
        return true;
    }

    private static int RecordLength(ReadOnlySpan<byte> record) =>
        MldAddressRecord.HeaderLength + 16 * BinaryPrimitives.ReadUInt16BigEndian(record[2..]) + 4 * record[1];

    /// <summary>How many address records the report carries.</summary>
    public int RecordCount => BinaryPrimitives.ReadUInt16BigEndian(_buffer[6..]);

    /// <summary>Reads every record (allocates the records and their source arrays: not for a per-packet path).</summary>
    public MldAddressRecord[] ReadRecords()
    {
        var records = new MldAddressRecord[RecordCount];
        int offset = HeaderLength;
        for (int i = 0; i < records.Length; i++)
        {
            var r = _buffer[offset..];
            int sources = BinaryPrimitives.ReadUInt16BigEndian(r[2..]);
            IPv6Address[]? list = sources == 0 ? null : new IPv6Address[sources];
            for (int s = 0; s < sources; s++)
                list![s] = IPv6Address.Read(r[(MldAddressRecord.HeaderLength + 16 * s)..]);
            records[i] = new MldAddressRecord((MldRecordType)r[0], IPv6Address.Read(r[4..]), list);
            offset += RecordLength(r);
        }
        return records;
    }

    /// <summary>The report, cut after its last record.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;
}
