using System.Buffers.Binary;
using Teeceepee.Wire;

namespace Teeceepee.Links;

/// <summary>
/// Does in software what a link's transmit offload would do to one frame (software GSO): cuts a TCP/IPv4 or TCP/IPv6
/// super-frame (<see cref="LinkGsoType.TcpV4"/>, <see cref="LinkGsoType.TcpV6"/>) into wire frames of <see cref="LinkOffload.SegmentSize"/> payload octets, and
/// completes partial checksums (<see cref="LinkOffloadFlags.NeedsChecksum"/>). For middleware and links that are
/// offered offloaded frames but must move plain ones (fault injection, captures, memory links).
/// </summary>
/// <remarks>
/// Each wire frame gets the super-frame's link and IP headers and its TCP header (options included, so every segment
/// carries the same timestamp, as Linux's <c>tcp_gso_segment</c> does), with the IPv4 total length, identification
/// (the first segment keeps the super-frame's, the next ones count up) and header checksum, or the IPv6 payload length
/// (IPv6 has neither identification nor header checksum, RFC 8200 §3), the TCP sequence number
/// and a complete TCP checksum made per segment; FIN and PSH ride only on the last segment, CWR only on the first.
/// Usage: <c>TryCreate</c>, then <c>TryNext</c> into a buffer of at least <see cref="MaxFrameLength"/> octets until it returns false.
/// </remarks>
public ref struct SoftwareOffload
{
    private readonly ReadOnlySpan<byte> _frame;
    private readonly LinkOffload _offload;
    private readonly int _ipStart;
    private readonly int _tcpStart;
    private readonly int _payloadStart;
    private readonly int _end;
    private readonly int _segmentSize;
    private readonly bool _ipv6;
    private int _next;

    private SoftwareOffload(ReadOnlySpan<byte> frame, in LinkOffload offload, int ipStart, int tcpStart, int payloadStart, int end, int segmentSize, int count, bool ipv6 = false)
    {
        _ipv6 = ipv6;
        _frame = frame;
        _offload = offload;
        _ipStart = ipStart;
        _tcpStart = tcpStart;
        _payloadStart = payloadStart;
        _end = end;
        _segmentSize = segmentSize;
        Count = count;
        _next = 0;
    }

    /// <summary>How many frames this frame becomes on the wire.</summary>
    public int Count { get; }

    /// <summary>The longest frame <see cref="TryNext"/> writes: headers plus one segment (the whole frame when it is not cut).</summary>
    public readonly int MaxFrameLength => _segmentSize == 0 ? _end : _payloadStart + Math.Min(_segmentSize, _end - _payloadStart);

    /// <summary>
    /// Prepares to turn <paramref name="frame"/> (starting with a link header of <paramref name="linkHeaderLength"/> octets:
    /// 14 on Ethernet, 0 on IP) and its descriptor into plain wire frames. False when the descriptor asks for something
    /// this cannot do (a GSO type other than TCP over IPv4 or IPv6; IPv6 extension headers before TCP) or the headers do
    /// not parse (the frame should then be dropped).
    /// </summary>
    public static bool TryCreate(ReadOnlySpan<byte> frame, in LinkOffload offload, int linkHeaderLength, out SoftwareOffload cutter)
    {
        cutter = default;
        if (offload.GsoType == LinkGsoType.None)
        {
            if ((offload.Flags & LinkOffloadFlags.NeedsChecksum) != 0 && offload.ChecksumStart + offload.ChecksumOffset + 2 > frame.Length)
                return false;
            cutter = new SoftwareOffload(frame, offload, linkHeaderLength, 0, frame.Length, frame.Length, 0, 1);
            return true;
        }
        if (offload.SegmentSize == 0 || linkHeaderLength > frame.Length)
            return false;
        if (offload.GsoType == LinkGsoType.TcpV6)
            return TryCreate6(frame, offload, linkHeaderLength, out cutter);
        if (offload.GsoType != LinkGsoType.TcpV4)
            return false;
        if (!IPv4Packet.TryParse(frame[linkHeaderLength..], verifyChecksum: false, out var ip, out _)
            || ip.Protocol != IpProtocol.Tcp || ip.IsFragment || !TcpSegment.TryParse(ip.Payload, out var tcp, out _))
        {
            return false;
        }
        int tcpStart = linkHeaderLength + ip.HeaderLength;
        cutter = Cutter(frame, offload, linkHeaderLength, tcpStart, tcpStart + tcp.HeaderLength, tcpStart + ip.Payload.Length, ipv6: false);
        return true;
    }

    // A TCP/IPv6 super-frame: TCP must follow the fixed header (we emit no extension headers; the kernel's TSO6 frames
    // from a TAP carry none either).
    private static bool TryCreate6(ReadOnlySpan<byte> frame, in LinkOffload offload, int linkHeaderLength, out SoftwareOffload cutter)
    {
        cutter = default;
        if (!IPv6Packet.TryParse(frame[linkHeaderLength..], out var ip, out _) || ip.NextHeader != IpProtocol.Tcp
            || !TcpSegment.TryParse(ip.Payload, out var tcp, out _))
        {
            return false;
        }
        int tcpStart = linkHeaderLength + IPv6Packet.HeaderLength;
        cutter = Cutter(frame, offload, linkHeaderLength, tcpStart, tcpStart + tcp.HeaderLength, tcpStart + ip.Payload.Length, ipv6: true);
        return true;
    }

    private static SoftwareOffload Cutter(ReadOnlySpan<byte> frame, in LinkOffload offload, int ipStart, int tcpStart, int payloadStart, int end, bool ipv6)
    {
        int payload = end - payloadStart;
        int count = payload <= offload.SegmentSize ? 1 : (payload + offload.SegmentSize - 1) / offload.SegmentSize;
        return new SoftwareOffload(frame, offload, ipStart, tcpStart, payloadStart, end, offload.SegmentSize, count, ipv6);
    }

    /// <summary>Writes the next wire frame into <paramref name="destination"/>; false when all were written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="MaxFrameLength"/>.</exception>
    public bool TryNext(Span<byte> destination, out int length)
    {
        length = 0;
        if (_next >= Count)
            return false;
        if (destination.Length < MaxFrameLength)
            throw new ArgumentException("The destination cannot hold one frame.", nameof(destination));
        int index = _next++;
        if (_segmentSize == 0)
        {
            _frame.CopyTo(destination);
            length = _frame.Length;
            if ((_offload.Flags & LinkOffloadFlags.NeedsChecksum) != 0)
                _offload.TryCompleteChecksum(destination[..length]);
            return true;
        }

        int offset = _payloadStart + index * _segmentSize;
        int segmentLength = Math.Min(_segmentSize, _end - offset);
        _frame[.._payloadStart].CopyTo(destination);
        _frame.Slice(offset, segmentLength).CopyTo(destination[_payloadStart..]);
        length = _payloadStart + segmentLength;
        bool first = index == 0;
        bool last = index == Count - 1;

        var ip = destination[_ipStart.._tcpStart];
        if (_ipv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[IPv6Packet.Field.PayloadLength..], (ushort)(length - _tcpStart));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[IPv4Packet.Field.TotalLength..], (ushort)(length - _ipStart));
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(ip[IPv4Packet.Field.Identification..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[IPv4Packet.Field.Identification..], unchecked((ushort)(id + index)));
            BinaryPrimitives.WriteUInt16BigEndian(ip[IPv4Packet.Field.Checksum..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(ip[IPv4Packet.Field.Checksum..], Checksum.Compute(ip));
        }

        var tcp = destination[_tcpStart..length];
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(tcp[TcpSegment.Field.SeqNumber..]);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[TcpSegment.Field.SeqNumber..], unchecked(seq + (uint)(offset - _payloadStart)));
        var flags = (TcpFlags)tcp[TcpSegment.Field.Flags];
        if (!last)
            flags &= ~(TcpFlags.Fin | TcpFlags.Psh);
        if (!first)
            flags &= ~TcpFlags.Cwr;
        tcp[TcpSegment.Field.Flags] = (byte)flags;
        // A complete checksum per segment (RFC 9293 §3.1), whatever partial sum the super-frame carried.
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpSegment.Field.Checksum..], 0);
        uint pseudo = _ipv6
            ? Checksum.PseudoHeader(IPv6Address.Read(ip[IPv6Packet.Field.Source..]), IPv6Address.Read(ip[IPv6Packet.Field.Destination..]), (byte)IpProtocol.Tcp, tcp.Length)
            : Checksum.PseudoHeader(new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(ip[IPv4Packet.Field.Source..])),
                new IPv4Address(BinaryPrimitives.ReadUInt32BigEndian(ip[IPv4Packet.Field.Destination..])), (byte)IpProtocol.Tcp, tcp.Length);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpSegment.Field.Checksum..], Checksum.Fold(Checksum.Sum(tcp, pseudo)));
        return true;
    }
}
