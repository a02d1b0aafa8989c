using System.Buffers.Binary;
using Teeceepee.Wire;

namespace Teeceepee.Links;

/// <summary>
/// The offload descriptor of one frame, as Linux's <c>struct virtio_net_hdr</c> carries it on a TAP with
/// IFF_VNET_HDR: checksum state, and for a super-frame its type, header length and segment size.
/// Offsets count from the start of the frame (the Ethernet header on TAP).
/// </summary>
/// <param name="Flags">Checksum state.</param>
/// <param name="GsoType">Super-frame type, or <see cref="LinkGsoType.None"/>.</param>
/// <param name="HeaderLength">Link + IP + TCP header octets of a super-frame (hdr_len).</param>
/// <param name="SegmentSize">Payload octets per segment of a super-frame (gso_size: the MSS).</param>
/// <param name="ChecksumStart">Where the partial checksum's sum starts (csum_start: the TCP header).</param>
/// <param name="ChecksumOffset">Where the checksum field is, from <paramref name="ChecksumStart"/> (csum_offset: 16 for TCP, 6 for UDP).</param>
public readonly record struct LinkOffload(
    LinkOffloadFlags Flags,
    LinkGsoType GsoType,
    ushort HeaderLength,
    ushort SegmentSize,
    ushort ChecksumStart,
    ushort ChecksumOffset)
{
    /// <summary>Length of the virtio_net_hdr on the wire of a TAP device.</summary>
    public const int VirtioHeaderLength = 10;

    /// <summary>Offset of the checksum field in a TCP header.</summary>
    public const int TcpChecksumOffset = 16;

    /// <summary>No offload: complete checksums, one ordinary frame.</summary>
    public static LinkOffload None => default;

    /// <summary>True when this descriptor asks or reports nothing.</summary>
    public bool IsNone => Flags == LinkOffloadFlags.None && GsoType == LinkGsoType.None;

    /// <summary>True when the frame's checksums need not be verified: partial (locally made) or already verified.</summary>
    public bool ChecksumTrusted => (Flags & (LinkOffloadFlags.NeedsChecksum | LinkOffloadFlags.DataValid)) != 0;

    /// <summary>A frame whose TCP checksum field holds the folded pseudo-header sum (<see cref="TcpRepr.Emit(Span{byte}, IPv4Address, IPv4Address, bool)"/> with partialChecksum), for the link to complete.</summary>
    public static LinkOffload TcpChecksumPartial(int tcpStart) =>
        new(LinkOffloadFlags.NeedsChecksum, LinkGsoType.None, 0, 0, (ushort)tcpStart, TcpChecksumOffset);

    /// <summary>
    /// A TCP/IPv4 (or, with <paramref name="ipv6"/>, TCP/IPv6) super-frame for the link to cut into segments of
    /// <paramref name="segmentSize"/> payload octets (TSO): <paramref name="tcpStart"/> is where the TCP header starts,
    /// <paramref name="headerLength"/> where the payload does. The TCP checksum must be partial (pseudo-header only, with
    /// the length field of the whole super-frame).
    /// </summary>
    public static LinkOffload TcpSegmentation(int tcpStart, int headerLength, int segmentSize, bool ipv6 = false) =>
        new(LinkOffloadFlags.NeedsChecksum, ipv6 ? LinkGsoType.TcpV6 : LinkGsoType.TcpV4, (ushort)headerLength, (ushort)segmentSize, (ushort)tcpStart, TcpChecksumOffset);

    /// <summary>The exception a link without transmit offloads throws for a descriptor other than <see cref="None"/>.</summary>
    internal static NotSupportedException NotSupportedBy(ILink link) => new($"{link.GetType().Name} has no transmit offloads.");

    /// <summary>Reads a virtio_net_hdr (little-endian fields, VIRTIO 1.0 / x86 and arm64 hosts).</summary>
    public static LinkOffload ReadVirtio(ReadOnlySpan<byte> header) => new(
        (LinkOffloadFlags)(header[0] & 3),
        (LinkGsoType)(header[1] & 0x7f), // the ECN bit (0x80) rides on the type
        BinaryPrimitives.ReadUInt16LittleEndian(header[2..]),
        BinaryPrimitives.ReadUInt16LittleEndian(header[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(header[6..]),
        BinaryPrimitives.ReadUInt16LittleEndian(header[8..]));

    /// <summary>Writes this descriptor as a virtio_net_hdr of <see cref="VirtioHeaderLength"/> octets.</summary>
    public void WriteVirtio(Span<byte> header)
    {
        header[0] = (byte)Flags;
        header[1] = (byte)GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], SegmentSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], ChecksumOffset);
    }

    /// <summary>
    /// Completes a partial checksum in place (what the kernel would do): the one's complement of the sum from
    /// <see cref="ChecksumStart"/> to the end, seeded by the partial sum already in the field. False when the offsets do not fit.
    /// </summary>
    public bool TryCompleteChecksum(Span<byte> frame)
    {
        int field = ChecksumStart + ChecksumOffset;
        if ((Flags & LinkOffloadFlags.NeedsChecksum) == 0 || field + 2 > frame.Length || ChecksumStart >= frame.Length)
            return false;
        // The field holds the folded pseudo-header sum; summing it along with the data adds it in (RFC 1071).
        ushort sum = Checksum.Compute(frame[ChecksumStart..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[field..], sum);
        return true;
    }
}
