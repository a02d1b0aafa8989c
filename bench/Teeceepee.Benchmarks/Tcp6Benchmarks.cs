using BenchmarkDotNet.Attributes;
using Teeceepee.Wire;

namespace Teeceepee.Benchmarks;

/// <summary>
/// The IPv6 twin of <see cref="TcpBenchmarks"/>' receive side: parse of a full-size Ethernet + IPv6 + TCP frame (1514 octets:
/// 14 + 40 + 32 with timestamps + 1428 payload) the way the stack's ingress does it (header, extension-header walk, TCP
/// over the IPv6 pseudo-header), with and without checksum verification.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class Tcp6Benchmarks
{
    private static readonly IPv6Address Source = IPv6Address.Parse("fd00:b::1");
    private static readonly IPv6Address Destination = IPv6Address.Parse("fd00:b::2");

    private readonly TcpRepr _tcp = new()
    {
        SourcePort = 40000,
        DestinationPort = 5001,
        SeqNumber = new SeqNumber(0x1234_5678),
        AckNumber = new SeqNumber(0x9abc_def0),
        Push = true,
        WindowLength = 502,
        Timestamp = new TcpTimestamp(1_000_000, 2_000_000),
        PayloadLength = 1428,
    };

    private byte[] _frame = [];

    /// <summary>Builds the frame once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int ipAt = EthernetRepr.HeaderLength, tcpAt = ipAt + IPv6Repr.HeaderLength;
        _frame = new byte[tcpAt + _tcp.BufferLength];
        new Random(7).NextBytes(_frame.AsSpan(tcpAt + _tcp.HeaderLength));
        _tcp.Emit(_frame.AsSpan(tcpAt), Source, Destination);
        new IPv6Repr { Source = Source, Destination = Destination, NextHeader = IpProtocol.Tcp, PayloadLength = _tcp.BufferLength, HopLimit = 64 }
            .Emit(_frame.AsSpan(ipAt));
        new EthernetRepr(MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:02"), EtherType.IPv6).Emit(_frame);
        if (ParseFrame() != 1428 || ParseFrameNoVerify() != 1428)
            throw new InvalidOperationException("The benchmark frame does not parse.");
    }

    /// <summary>Ethernet, IPv6, the header chain and TCP (checksum over the pseudo-header and 1460 octets, options) into reprs.</summary>
    [Benchmark]
    public int ParseFrame() => Parse(_frame, verify: true);

    /// <summary>The same with checksums left to the link (receive offload).</summary>
    [Benchmark]
    public int ParseFrameNoVerify() => Parse(_frame, verify: false);

    private static int Parse(ReadOnlySpan<byte> frame, bool verify)
    {
        if (!EthernetFrame.TryParse(frame, out var ethernet, out _) || !EthernetRepr.TryParse(ethernet, out var ethernetRepr, out _)
            || ethernetRepr.EtherType != EtherType.IPv6)
            return -1;
        if (!IPv6Packet.TryParse(ethernet.Payload, out var ip, out _))
            return -1;
        var whole = ip.Buffer;
        if (!IPv6HeaderChain.TryParse(whole, IPv6HeaderChain.DefaultMaxHeaders, IPv6HeaderChain.DefaultMaxLength, out var chain, out _)
            || chain.UpperLayer != IpProtocol.Tcp)
            return -1;
        var source = IPv6Address.Read(whole[IPv6Packet.Field.Source..]);
        var destination = IPv6Address.Read(whole[IPv6Packet.Field.Destination..]);
        if (!TcpSegment.TryParse(whole[chain.UpperLayerOffset..], out var segment, out _)
            || !TcpRepr.TryParse(segment, source, destination, verify, out var tcp, out _))
            return -1;
        return tcp.PayloadLength;
    }
}
