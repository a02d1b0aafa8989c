using BenchmarkDotNet.Attributes;
using Teeceepee.Wire;

namespace Teeceepee.Benchmarks;

/// <summary>
/// Parse and emit of a full-size Ethernet + IPv4 + TCP frame (1514 octets: 14 + 20 + 32 with timestamps + 1448 payload),
/// the per-segment work of a bulk transfer.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class TcpBenchmarks
{
    private static readonly IPv4Address Source = IPv4Address.Parse("198.18.0.2");
    private static readonly IPv4Address Destination = IPv4Address.Parse("198.18.0.1");

    private readonly EthernetRepr _ethernet = new(MacAddress.Parse("02:00:00:00:00:02"), MacAddress.Parse("02:00:00:00:00:01"), EtherType.IPv4);

    private readonly TcpRepr _tcp = new()
    {
        SourcePort = 5001,
        DestinationPort = 40000,
        SeqNumber = new SeqNumber(0x1234_5678),
        AckNumber = new SeqNumber(0x9abc_def0),
        Push = true,
        WindowLength = 502,
        Timestamp = new TcpTimestamp(1_000_000, 2_000_000),
        PayloadLength = 1448,
    };

    private readonly TcpRepr _synAck = new()
    {
        SourcePort = 5001,
        DestinationPort = 40000,
        Control = TcpControl.Syn,
        SeqNumber = new SeqNumber(0x1234_5678),
        AckNumber = new SeqNumber(0x9abc_def0),
        WindowLength = 65535,
        MaxSegmentSize = 1460,
        SackPermitted = true,
        Timestamp = new TcpTimestamp(1_000_000, 2_000_000),
        WindowScale = 7,
    };

    private byte[] _frame = [];
    private byte[] _synAckFrame = [];

    /// <summary>Builds the frames once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _frame = new byte[EthernetRepr.HeaderLength + IPv4Repr.HeaderLength + _tcp.BufferLength];
        new Random(7).NextBytes(_frame.AsSpan(EthernetRepr.HeaderLength + IPv4Repr.HeaderLength + _tcp.HeaderLength));
        EmitFrame();
        _synAckFrame = new byte[EthernetRepr.HeaderLength + IPv4Repr.HeaderLength + _synAck.BufferLength];
        Emit(_synAckFrame, _synAck);
        if (ParseFrame() != 1448 || ParseFrameNoVerify() != 1448 || ParseSynAckFrame() != 0)
            throw new InvalidOperationException("The benchmark frames do not parse.");
    }

    /// <summary>Ethernet, IPv4 (header checksum) and TCP (checksum over 1480 octets, options) into reprs.</summary>
    [Benchmark]
    public int ParseFrame() => Parse(_frame, verify: true);

    /// <summary>The same with checksums left to the link (receive offload).</summary>
    [Benchmark]
    public int ParseFrameNoVerify() => Parse(_frame, verify: false);

    /// <summary>A SYN-ACK with MSS, SACK-permitted, timestamps and window scale.</summary>
    [Benchmark]
    public int ParseSynAckFrame() => Parse(_synAckFrame, verify: true);

    /// <summary>TCP header + checksum over the payload in place, then IPv4 and Ethernet headers.</summary>
    [Benchmark]
    public void EmitFrame() => Emit(_frame, _tcp);

    /// <summary>The same leaving the TCP checksum partial (transmit offload).</summary>
    [Benchmark]
    public void EmitFramePartialChecksum() => Emit(_frame, _tcp, partial: true);

    /// <summary>TCP alone: view and repr of the 1480-octet segment with checksum.</summary>
    [Benchmark]
    public int ParseTcpOnly()
    {
        var segment = _frame.AsSpan(EthernetRepr.HeaderLength + IPv4Repr.HeaderLength);
        if (!TcpSegment.TryParse(segment, out var view, out _) || !TcpRepr.TryParse(view, Source, Destination, true, out var repr, out _))
            return -1;
        return repr.PayloadLength;
    }

    /// <summary>TCP alone: header, options and checksum of the 1480-octet segment.</summary>
    [Benchmark]
    public void EmitTcpOnly() => _tcp.Emit(_frame.AsSpan(EthernetRepr.HeaderLength + IPv4Repr.HeaderLength), Source, Destination);

    private void Emit(byte[] frame, in TcpRepr tcp, bool partial = false)
    {
        var span = frame.AsSpan();
        var ip = new IPv4Repr
        {
            Source = Source,
            Destination = Destination,
            Protocol = IpProtocol.Tcp,
            PayloadLength = tcp.BufferLength,
            TimeToLive = IPv4Repr.DefaultTimeToLive,
            DontFragment = true,
        };
        tcp.Emit(span[(EthernetRepr.HeaderLength + IPv4Repr.HeaderLength)..], Source, Destination, partial);
        ip.Emit(span[EthernetRepr.HeaderLength..]);
        _ethernet.Emit(span);
    }

    private static int Parse(ReadOnlySpan<byte> frame, bool verify)
    {
        if (!EthernetFrame.TryParse(frame, out var ethernet, out _) || !EthernetRepr.TryParse(ethernet, out var ethernetRepr, out _)
            || ethernetRepr.EtherType != EtherType.IPv4)
            return -1;
        if (!IPv4Packet.TryParse(ethernet.Payload, verify, out var ip, out _) || !IPv4Repr.TryParse(ip, out var ipRepr, out _)
            || ipRepr.Protocol != IpProtocol.Tcp)
            return -1;
        if (!TcpSegment.TryParse(ip.Payload, out var segment, out _)
            || !TcpRepr.TryParse(segment, ipRepr.Source, ipRepr.Destination, verify, out var tcp, out _))
            return -1;
        return tcp.PayloadLength;
    }
}
