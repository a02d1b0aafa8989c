using Teeceepee.Wire;

namespace Teeceepee.Cli.Plot;

/// <summary>
/// Splits a capture into TCP connections with our own Wire views (Ethernet, IPv4, TCP) and follows each direction's
/// sequence space: segments, retransmissions, ACKs, windows, SACK blocks and round-trip samples. Frames that are not
/// IPv4 TCP, or do not parse, are counted and skipped; checksums are not checked (captures of offloading links carry
/// partial ones).
/// </summary>
internal sealed class TcpCaptureAnalyzer
{
    private readonly Dictionary<(string, string), CaptureConnection> _byKey = [];
    private readonly List<CaptureConnection> _connections = [];
    private double _start = double.NaN;

    /// <summary>The connections in order of first appearance.</summary>
    public IReadOnlyList<CaptureConnection> Connections => _connections;

    /// <summary>Frames that were not IPv4 TCP (ARP, UDP, ICMP, other EtherTypes).</summary>
    public int OtherFrames { get; private set; }

    /// <summary>Frames that did not parse (truncated, bad lengths), and IPv4 fragments (not reassembled).</summary>
    public int Unparsed { get; private set; }

    /// <summary>TCP segments analysed.</summary>
    public int TcpSegments { get; private set; }

    /// <summary>Analyses a whole capture.</summary>
    public static TcpCaptureAnalyzer Analyze(PcapReader capture)
    {
        var analyzer = new TcpCaptureAnalyzer();
        foreach (var record in capture.Records)
            analyzer.Add(capture.LinkType, record);
        return analyzer;
    }

    /// <summary>Adds one frame.</summary>
    public void Add(uint linkType, PcapRecord record)
    {
        if (double.IsNaN(_start))
            _start = record.Time;
        ReadOnlySpan<byte> ip = record.Data;
        if (linkType == PcapReader.LinkTypeEthernet)
        {
            if (!EthernetFrame.TryParse(record.Data, out var frame, out _))
            {
                Unparsed++;
                return;
            }
            if (frame.EtherType != EtherType.IPv4)
            {
                OtherFrames++;
                return;
            }
            ip = frame.Payload;
        }
        else if (ip.Length > 0 && ip[0] >> 4 != 4)
        {
            OtherFrames++;
            return;
        }
        if (!IPv4Packet.TryParse(ip, verifyChecksum: false, out var packet, out _) || packet.IsFragment)
        {
            Unparsed++;
            return;
        }
        if (packet.Protocol != IpProtocol.Tcp)
        {
            OtherFrames++;
            return;
        }
        if (!TcpSegment.TryParse(packet.Payload, out var segment, out _)
            || !TcpRepr.TryParse(segment, packet.Source, packet.Destination, verifyChecksum: false, out var tcp, out _))
        {
            Unparsed++;
            return;
        }
        TcpSegments++;
        Add(record.Time - _start, $"{packet.Source}:{tcp.SourcePort}", $"{packet.Destination}:{tcp.DestinationPort}", tcp);
    }

    private void Add(double time, string source, string destination, in TcpRepr tcp)
    {
        var key = string.CompareOrdinal(source, destination) < 0 ? (source, destination) : (destination, source);
        if (!_byKey.TryGetValue(key, out var connection))
        {
            // The side that sent the first segment opened it (a SYN, nearly always).
            connection = new CaptureConnection(_connections.Count + 1, source, destination);
            _byKey.Add(key, connection);
            _connections.Add(connection);
        }
        bool forward = connection.Forward.Sender == source;
        var flow = forward ? connection.Forward : connection.Reverse;
        var reverse = forward ? connection.Reverse : connection.Forward;

        if (tcp.Control == TcpControl.Syn)
        {
            flow.AnnouncedShift = tcp.WindowScale;
            flow.SetBase(tcp.SeqNumber.Value);
        }
        else
        {
            flow.SetBase(tcp.SeqNumber.Value);
        }
        flow.OnSegment(time, flow.Relative(tcp.SeqNumber.Value), tcp.SegmentLength, tcp.PayloadLength);

        if (tcp.AckNumber is { } ack && reverse.HasBase)
        {
            // RFC 7323 §2.2: windows are scaled once both SYNs carried the option, never in a SYN itself.
            int shift = tcp.Control != TcpControl.Syn && flow.AnnouncedShift is byte own && reverse.AnnouncedShift is not null ? own : 0;
            long window = (long)tcp.WindowLength << shift;
            var sack = new (long, long)[tcp.SackBlocks.Count];
            for (int i = 0; i < sack.Length; i++)
                sack[i] = (reverse.Relative(tcp.SackBlocks[i].Left.Value), reverse.Relative(tcp.SackBlocks[i].Right.Value));
            reverse.OnAck(time, reverse.Relative(ack.Value), window, sack);
        }
    }
}
