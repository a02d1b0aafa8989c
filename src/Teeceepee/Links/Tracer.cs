using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Teeceepee.Wire;

namespace Teeceepee.Links;

/// <summary>
/// Wraps any link and writes one tcpdump-like line per frame to a <see cref="TextWriter"/>:
/// time, direction (<c>&lt;-</c> in, <c>-&gt;</c> out), MACs, ethertype, ARP, IPv4 addresses, protocol,
/// ports, TCP flags. It decodes these few fields itself and never throws on malformed frames.
/// </summary>
public sealed class Tracer : ILink
{
    private readonly ILink _inner;
    private readonly TextWriter _writer;
    private readonly string? _label;
    // Roomy enough that a line never spills into a second chunk (Clear would then reallocate).
    private readonly StringBuilder _line = new(1024);
    private Instant? _first;
    private byte[]? _flat; // a frame sent in pieces, flattened to be decoded (allocated on the first one)

    /// <summary>Wraps <paramref name="inner"/> (disposed with this one); lines go to <paramref name="writer"/> (not disposed).</summary>
    /// <param name="inner">The link to trace.</param>
    /// <param name="writer">Where lines go.</param>
    /// <param name="label">Optional name printed after the time (for several traced links on one writer).</param>
    public Tracer(ILink inner, TextWriter writer, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(writer);
        _inner = inner;
        _writer = writer;
        _label = label;
    }

    /// <summary>The wrapped link.</summary>
    public ILink Inner => _inner;

    /// <inheritdoc />
    public LinkCapabilities Capabilities => _inner.Capabilities;

    /// <inheritdoc />
    public int ReadinessFd => _inner.ReadinessFd;

    /// <inheritdoc />
    public Instant NextDeadline => _inner.NextDeadline;

    /// <inheritdoc />
    public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
    {
        if (!_inner.TryReceive(now, buffer, out length, out offload))
            return false;
        Trace(now, inbound: true, buffer[..length], dropped: false, offload.GsoType == LinkGsoType.None ? 0 : offload.SegmentSize);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>The frame is passed on in its pieces; a copy is flattened for the trace line only.</remarks>
    public bool TrySend(Instant now, in LinkFrame frame)
    {
        bool sent = _inner.TrySend(now, frame);
        var offload = frame.Offload;
        var bytes = frame.IsContiguous ? frame.Headers : frame.Flatten(_flat ??= new byte[Math.Max(Capabilities.MaxFrameLength, LinkFrame.MaxLength)]);
        Trace(now, inbound: false, bytes, dropped: !sent, offload.GsoType == LinkGsoType.None ? 0 : offload.SegmentSize);
        return sent;
    }

    /// <summary>Formats one frame as the tracer would (without time and direction).</summary>
    public static string Describe(ReadOnlySpan<byte> frame, LinkMedium medium)
    {
        var sb = new StringBuilder();
        Decode(sb, frame, medium);
        return sb.ToString();
    }

    private void Trace(Instant now, bool inbound, ReadOnlySpan<byte> frame, bool dropped, int superFrameSegmentSize = 0)
    {
        _first ??= now;
        var line = _line.Clear();
        double seconds = (now - _first.Value).Ticks / (double)TimeSpan.TicksPerSecond;
        Span<char> number = stackalloc char[32];
        if (!seconds.TryFormat(number, out int written, "F6", CultureInfo.InvariantCulture))
            written = 0;
        line.Append(' ', Math.Max(0, 12 - written)).Append(number[..written]).Append(' ');
        if (_label is not null)
            line.Append(_label).Append(' ');
        line.Append(inbound ? "<- " : "-> ");
        Decode(line, frame, _inner.Capabilities.Medium);
        if (superFrameSegmentSize > 0)
            line.Append(" (super-frame, segments of ").AppendNumber(superFrameSegmentSize).Append(')');
        if (dropped)
            line.Append(" (dropped by link)");
        try
        {
            // Copied out in chunks: TextWriter.WriteLine(StringBuilder) may allocate in some writers.
            foreach (var chunk in line.GetChunks())
                _writer.Write(chunk.Span);
            _writer.WriteLine();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Tracing is diagnostics: a closed writer must not break the link.
        }
    }

    private static void Decode(StringBuilder sb, ReadOnlySpan<byte> frame, LinkMedium medium)
    {
        if (medium == LinkMedium.IP)
        {
            DecodeIp(sb, frame);
            return;
        }
        if (frame.Length < LinkCapabilities.EthernetHeaderLength)
        {
            sb.Append("truncated Ethernet frame, length ").AppendNumber(frame.Length);
            return;
        }
        AppendMac(sb, frame.Slice(6, 6));
        sb.Append(" > ");
        AppendMac(sb, frame[..6]);
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var payload = frame[LinkCapabilities.EthernetHeaderLength..];
        switch (etherType)
        {
            case 0x0806:
                sb.Append(", ARP, ");
                DecodeArp(sb, payload);
                break;
            case 0x0800:
                sb.Append(", ");
                DecodeIp(sb, payload);
                break;
            case 0x86DD:
                sb.Append(", ");
                DecodeIPv6(sb, payload);
                break;
            default:
                sb.Append(", ethertype 0x").AppendHex(etherType, 4).Append(", length ").AppendNumber(payload.Length);
                break;
        }
    }

    private static void DecodeArp(StringBuilder sb, ReadOnlySpan<byte> arp)
    {
        // RFC 826 for Ethernet/IPv4: htype 1, ptype 0x0800, hlen 6, plen 4.
        if (arp.Length < 28 || BinaryPrimitives.ReadUInt16BigEndian(arp) != 1
            || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != 0x0800 || arp[4] != 6 || arp[5] != 4)
        {
            sb.Append("not Ethernet/IPv4 or truncated, length ").AppendNumber(arp.Length);
            return;
        }
        ushort op = BinaryPrimitives.ReadUInt16BigEndian(arp[6..]);
        var senderMac = arp.Slice(8, 6);
        var senderIp = arp.Slice(14, 4);
        var targetIp = arp.Slice(24, 4);
        switch (op)
        {
            case 1:
                sb.Append("Request who-has ");
                AppendIp(sb, targetIp);
                sb.Append(" tell ");
                AppendIp(sb, senderIp);
                break;
            case 2:
                sb.Append("Reply ");
                AppendIp(sb, senderIp);
                sb.Append(" is-at ");
                AppendMac(sb, senderMac);
                break;
            default:
                sb.Append("operation ").AppendNumber(op);
                break;
        }
    }

    private static void DecodeIp(StringBuilder sb, ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 1)
        {
            sb.Append("empty packet");
            return;
        }
        int version = ip[0] >> 4;
        if (version == 6)
        {
            DecodeIPv6(sb, ip);
            return;
        }
        int headerLength = (ip[0] & 0xF) * 4;
        if (version != 4 || ip.Length < 20 || headerLength < 20 || ip.Length < headerLength)
        {
            sb.Append("IP bad header, length ").AppendNumber(ip.Length);
            return;
        }
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        int offset = (fragment & 0x1FFF) * 8;
        bool more = (fragment & 0x2000) != 0;
        byte protocol = ip[9];
        var source = ip.Slice(12, 4);
        var destination = ip.Slice(16, 4);
        int end = Math.Clamp(totalLength, headerLength, ip.Length);
        var payload = ip[headerLength..end];
        sb.Append("IP ");
        bool ports = offset == 0 && (protocol == 6 || protocol == 17) && payload.Length >= 4;
        AppendIp(sb, source);
        if (ports)
            sb.Append('.').AppendNumber(BinaryPrimitives.ReadUInt16BigEndian(payload));
        sb.Append(" > ");
        AppendIp(sb, destination);
        if (ports)
            sb.Append('.').AppendNumber(BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
        sb.Append(": ");
        if (offset != 0 || more)
            sb.Append("frag off ").AppendNumber(offset).Append((more ? "+" : "")).Append(", ");
        if (offset != 0)
        {
            sb.Append("proto ").AppendNumber(protocol).Append(", length ").AppendNumber(payload.Length);
            return;
        }
        DecodeTransport(sb, protocol, payload, ipv6: false);
    }

    /// <summary>tcpdump's "IP6 src.port > dst.port: ..." after skipping hop-by-hop, routing and destination options (RFC 8200 §4).</summary>
    private static void DecodeIPv6(StringBuilder sb, ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 40 || ip[0] >> 4 != 6)
        {
            sb.Append("IP6 bad header, length ").AppendNumber(ip.Length);
            return;
        }
        int end = Math.Min(ip.Length, 40 + BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
        byte next = ip[6];
        int at = 40;
        int fragmentOffset = 0;
        bool fragment = false, more = false;
        for (int headers = 0; headers < 8 && next is 0 or 43 or 44 or 60 && at + 8 <= end; headers++)
        {
            if (next == 44)
            {
                ushort field = BinaryPrimitives.ReadUInt16BigEndian(ip[(at + 2)..]);
                fragment = true;
                fragmentOffset = field & 0xFFF8;
                more = (field & 1) != 0;
                next = ip[at];
                at += 8;
                continue;
            }
            int length = (ip[at + 1] + 1) * 8;
            next = ip[at];
            at += length;
        }
        var payload = at <= end ? ip[at..end] : [];
        bool ports = fragmentOffset == 0 && next is 6 or 17 && payload.Length >= 4;
        sb.Append("IP6 ").Append(IPv6Address.Read(ip[8..]).ToString());
        if (ports)
            sb.Append('.').AppendNumber(BinaryPrimitives.ReadUInt16BigEndian(payload));
        sb.Append(" > ").Append(IPv6Address.Read(ip[24..]).ToString());
        if (ports)
            sb.Append('.').AppendNumber(BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
        sb.Append(": ");
        if (fragment)
            sb.Append("frag off ").AppendNumber(fragmentOffset).Append(more ? "+" : "").Append(", ");
        if (fragmentOffset != 0)
        {
            sb.Append("next ").AppendNumber(next).Append(", length ").AppendNumber(payload.Length);
            return;
        }
        DecodeTransport(sb, next, payload, ipv6: true);
    }

    /// <summary>The transport part after "src > dst: ", as tcpdump prints it; tcpdump names an unknown IPv4 protocol "proto", an IPv6 one "next".</summary>
    private static void DecodeTransport(StringBuilder sb, byte protocol, ReadOnlySpan<byte> payload, bool ipv6)
    {
        switch (protocol)
        {
            case 6:
                DecodeTcp(sb, payload);
                break;
            case 17:
                sb.Append("UDP, length ").AppendNumber(Math.Max(0, payload.Length - 8));
                break;
            case 1 when !ipv6:
                DecodeIcmp(sb, payload);
                break;
            case 58 when ipv6:
                DecodeIcmpv6(sb, payload);
                break;
            default:
                sb.Append(ipv6 ? "next " : "proto ").AppendNumber(protocol).Append(", length ").AppendNumber(payload.Length);
                break;
        }
    }

    private static void DecodeIcmpv6(StringBuilder sb, ReadOnlySpan<byte> icmp)
    {
        if (icmp.Length < 8)
        {
            sb.Append("ICMP6 truncated, length ").AppendNumber(icmp.Length);
            return;
        }
        byte type = icmp[0];
        sb.Append("ICMP6, ");
        switch (type)
        {
            case 128 or 129:
                sb.Append(type == 128 ? "echo request" : "echo reply").Append(", id ").AppendNumber(BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]))
                    .Append(", seq ").AppendNumber(BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]));
                break;
            case 135 or 136 when icmp.Length >= 24:
                sb.Append(type == 135 ? "neighbor solicitation, who has " : "neighbor advertisement, tgt is ").Append(IPv6Address.Read(icmp[8..]).ToString());
                break;
            case 133:
                sb.Append("router solicitation");
                break;
            case 134:
                sb.Append("router advertisement");
                break;
            case 143:
                sb.Append("multicast listener report v2");
                break;
            case 1:
                sb.Append("destination unreachable, code ").AppendNumber(icmp[1]);
                break;
            case 2:
                sb.Append("packet too big, mtu ").AppendNumber(BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]));
                break;
            case 3:
                sb.Append("time exceeded, code ").AppendNumber(icmp[1]);
                break;
            case 4:
                sb.Append("parameter problem, code ").AppendNumber(icmp[1]);
                break;
            default:
                sb.Append("type ").AppendNumber(type).Append(", code ").AppendNumber(icmp[1]);
                break;
        }
        sb.Append(", length ").AppendNumber(icmp.Length);
    }

    private static void DecodeTcp(StringBuilder sb, ReadOnlySpan<byte> tcp)
    {
        if (tcp.Length < 20)
        {
            sb.Append("TCP truncated, length ").AppendNumber(tcp.Length);
            return;
        }
        int dataOffset = (tcp[12] >> 4) * 4;
        byte flags = tcp[13];
        sb.Append("Flags [");
        if ((flags & 0x01) != 0) sb.Append('F');
        if ((flags & 0x02) != 0) sb.Append('S');
        if ((flags & 0x04) != 0) sb.Append('R');
        if ((flags & 0x08) != 0) sb.Append('P');
        if ((flags & 0x20) != 0) sb.Append('U');
        if ((flags & 0x40) != 0) sb.Append('E');
        if ((flags & 0x80) != 0) sb.Append('W');
        if ((flags & 0x10) != 0) sb.Append('.');
        if ((flags & 0xFF) == 0) sb.Append("none");
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        uint ack = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]);
        ushort window = BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]);
        int payload = dataOffset >= 20 && dataOffset <= tcp.Length ? tcp.Length - dataOffset : 0;
        sb.Append("], seq ").AppendNumber(seq);
        if ((flags & 0x10) != 0)
            sb.Append(", ack ").AppendNumber(ack);
        sb.Append(", win ").AppendNumber(window).Append(", length ").AppendNumber(payload);
    }

    private static void DecodeIcmp(StringBuilder sb, ReadOnlySpan<byte> icmp)
    {
        if (icmp.Length < 8)
        {
            sb.Append("ICMP truncated, length ").AppendNumber(icmp.Length);
            return;
        }
        byte type = icmp[0];
        byte code = icmp[1];
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]);
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]);
        switch (type)
        {
            case 8:
                sb.Append("ICMP echo request, id ").AppendNumber(id).Append(", seq ").AppendNumber(seq).Append(", length ").AppendNumber(icmp.Length);
                break;
            case 0:
                sb.Append("ICMP echo reply, id ").AppendNumber(id).Append(", seq ").AppendNumber(seq).Append(", length ").AppendNumber(icmp.Length);
                break;
            case 3:
                sb.Append("ICMP unreachable, code ").AppendNumber(code).Append(", length ").AppendNumber(icmp.Length);
                break;
            case 11:
                sb.Append("ICMP time exceeded, code ").AppendNumber(code).Append(", length ").AppendNumber(icmp.Length);
                break;
            default:
                sb.Append("ICMP type ").AppendNumber(type).Append(", code ").AppendNumber(code).Append(", length ").AppendNumber(icmp.Length);
                break;
        }
    }

    private static void AppendMac(StringBuilder sb, ReadOnlySpan<byte> mac)
    {
        for (int i = 0; i < 6; i++)
        {
            if (i > 0)
                sb.Append(':');
            sb.AppendHex(mac[i], 2);
        }
    }

    private static void AppendIp(StringBuilder sb, ReadOnlySpan<byte> ip) =>
        sb.AppendNumber(ip[0]).Append('.').AppendNumber(ip[1]).Append('.').AppendNumber(ip[2]).Append('.').AppendNumber(ip[3]);

    /// <summary>Disposes the inner link (not the writer).</summary>
    public void Dispose() => _inner.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"trace({_inner})";
}
