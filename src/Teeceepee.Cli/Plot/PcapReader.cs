using System.Buffers.Binary;

namespace Teeceepee.Cli.Plot;

/// <summary>
/// Reads a classic pcap file (the format <c>Links.PcapWriter</c> and tcpdump write): a 24-octet global header, then
/// per frame a 16-octet record header and the captured octets. Either byte order, microsecond or nanosecond
/// timestamps; link types Ethernet (1) and raw IP (101, 228 = IPv4).
/// </summary>
internal sealed class PcapReader
{
    /// <summary>LINKTYPE_ETHERNET.</summary>
    public const uint LinkTypeEthernet = 1;
    /// <summary>LINKTYPE_RAW.</summary>
    public const uint LinkTypeRaw = 101;
    /// <summary>LINKTYPE_IPV4.</summary>
    public const uint LinkTypeIPv4 = 228;

    private const uint MagicMicroseconds = 0xa1b2c3d4;
    private const uint MagicNanoseconds = 0xa1b23c4d;
    private const int MaxRecordLength = 1 << 20;

    private PcapReader(uint linkType, List<PcapRecord> records, bool truncated)
    {
        LinkType = linkType;
        Records = records;
        Truncated = truncated;
    }

    /// <summary>The capture's link type.</summary>
    public uint LinkType { get; }

    /// <summary>The frames in file order.</summary>
    public IReadOnlyList<PcapRecord> Records { get; }

    /// <summary>The file ended inside a record (a capture cut short); the records before it are kept.</summary>
    public bool Truncated { get; }

    /// <summary>Reads a whole capture.</summary>
    /// <exception cref="InvalidDataException">Not a classic pcap file, or a link type other than Ethernet or raw IP.</exception>
    public static PcapReader Read(Stream stream)
    {
        Span<byte> header = stackalloc byte[24];
        if (stream.ReadAtLeast(header, 24, throwOnEndOfStream: false) < 24)
            throw new InvalidDataException("too short for a pcap file (no 24-octet header)");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        bool bigEndian;
        bool nanoseconds;
        if (magic is MagicMicroseconds or MagicNanoseconds)
            bigEndian = false;
        else if (BinaryPrimitives.ReverseEndianness(magic) is MagicMicroseconds or MagicNanoseconds)
            bigEndian = true;
        else if (magic == 0x0a0d0d0a)
            throw new InvalidDataException("a pcapng file: save it as classic pcap (tshark -F pcap, editcap -F pcap)");
        else
            throw new InvalidDataException($"not a pcap file (magic 0x{magic:x8})");
        nanoseconds = (bigEndian ? BinaryPrimitives.ReverseEndianness(magic) : magic) == MagicNanoseconds;
        uint linkType = Read32(header[20..], bigEndian) & 0x0fff_ffff; // the top bits may carry FCS flags
        if (linkType is not (LinkTypeEthernet or LinkTypeRaw or LinkTypeIPv4))
            throw new InvalidDataException($"link type {linkType} is not supported (Ethernet 1 or raw IP 101/228 are)");

        var records = new List<PcapRecord>();
        Span<byte> recordHeader = stackalloc byte[16];
        bool truncated = false;
        while (true)
        {
            int got = stream.ReadAtLeast(recordHeader, 16, throwOnEndOfStream: false);
            if (got == 0)
                break;
            if (got < 16)
            {
                truncated = true;
                break;
            }
            uint seconds = Read32(recordHeader, bigEndian);
            uint fraction = Read32(recordHeader[4..], bigEndian);
            uint included = Read32(recordHeader[8..], bigEndian);
            if (included > MaxRecordLength)
                throw new InvalidDataException($"record {records.Count + 1} claims {included} octets: the file is damaged");
            var data = new byte[included];
            if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length)
            {
                truncated = true;
                break;
            }
            double time = seconds + fraction / (nanoseconds ? 1e9 : 1e6);
            records.Add(new PcapRecord(time, data));
        }
        return new PcapReader(linkType, records, truncated);
    }

    /// <summary>Reads a capture file.</summary>
    public static PcapReader Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    private static uint Read32(ReadOnlySpan<byte> span, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
}
