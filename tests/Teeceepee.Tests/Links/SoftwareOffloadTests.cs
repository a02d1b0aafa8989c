using System.Buffers.Binary;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Links;

/// <summary>Software segmentation (GSO) of TCP/IPv4 super-frames and completion of partial checksums, and the middleware that use it.</summary>
public class SoftwareOffloadTests
{
    private static readonly IPv4Address s_source = IPv4Address.Parse("198.18.0.2");
    private static readonly IPv4Address s_destination = IPv4Address.Parse("198.18.0.1");
    private static readonly MacAddress s_sourceMac = MacAddress.Parse("02:00:00:00:00:02");
    private static readonly MacAddress s_destinationMac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly SeqNumber s_seq = new(0xFFFF_F000); // wraps within the super-frame

    /// <summary>An Ethernet + IPv4 (DF, id 0xFFFE) + TCP (timestamps) super-frame with a partial checksum, as the stack builds one.</summary>
    internal static (byte[] Frame, LinkOffload Offload, byte[] Payload, TcpRepr Tcp) SuperFrame(
        int payloadLength, int mss, bool fin = true, bool cwr = true, int seed = 1)
    {
        var payload = new byte[payloadLength];
        new Random(seed).NextBytes(payload);
        var tcp = new TcpRepr
        {
            SourcePort = 5002, DestinationPort = 40000, SeqNumber = s_seq, AckNumber = new SeqNumber(77), WindowLength = 1000,
            Control = fin ? TcpControl.Fin : TcpControl.None, Push = true, CongestionWindowReduced = cwr,
            Timestamp = new TcpTimestamp(123456, 654321), PayloadLength = payloadLength,
        };
        var frame = new byte[14 + 20 + tcp.HeaderLength + payloadLength];
        new EthernetRepr(s_sourceMac, s_destinationMac, EtherType.IPv4).Emit(frame);
        new IPv4Repr
        {
            Source = s_source, Destination = s_destination, Protocol = IpProtocol.Tcp, PayloadLength = tcp.BufferLength,
            TimeToLive = 64, Identification = 0xFFFE, DontFragment = true,
        }.Emit(frame.AsSpan(14));
        tcp.Emit(frame.AsSpan(34), payload, s_source, s_destination, partialChecksum: true);
        return (frame, LinkOffload.TcpSegmentation(34, 34 + tcp.HeaderLength, mss), payload, tcp);
    }

    /// <summary>Parses a wire frame strictly (IPv4 and TCP checksums verified).</summary>
    internal static (IPv4Repr Ip, TcpRepr Tcp, byte[] Payload) ParseWire(ReadOnlySpan<byte> frame)
    {
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out var error), error.ToString());
        Assert.True(IPv4Packet.TryParse(eth.Payload, out var packet, out error), error.ToString());
        Assert.True(IPv4Repr.TryParse(packet, out var ip, out error), error.ToString());
        Assert.True(TcpSegment.TryParse(packet.Payload, out var segment, out error), error.ToString());
        Assert.True(TcpRepr.TryParse(segment, ip.Source, ip.Destination, verifyChecksum: true, out var tcp, out error), error.ToString());
        return (ip, tcp, segment.Payload.ToArray());
    }

    [Fact]
    public void SuperFrame_CutAtMss_RoundTrips()
    {
        var (frame, offload, payload, template) = SuperFrame(10_000, 1448);
        Assert.True(SoftwareOffload.TryCreate(frame, offload, 14, out var cutter));
        Assert.Equal(7, cutter.Count);
        Assert.Equal(14 + 20 + 32 + 1448, cutter.MaxFrameLength);
        var buffer = new byte[2000];
        var joined = new List<byte>();
        int i = 0;
        while (cutter.TryNext(buffer, out int length))
        {
            Assert.True(length <= 1514);
            var (ip, tcp, data) = ParseWire(buffer.AsSpan(0, length));
            bool last = i == 6;
            Assert.Equal(last ? 10_000 - 6 * 1448 : 1448, data.Length);
            Assert.Equal(20 + 32 + data.Length, ip.BufferLength);
            Assert.Equal(unchecked((ushort)(0xFFFE + i)), ip.Identification);
            Assert.True(ip.DontFragment);
            Assert.Equal(s_seq + i * 1448, tcp.SeqNumber);
            Assert.Equal(last ? TcpControl.Fin : TcpControl.None, tcp.Control);
            Assert.Equal(last, tcp.Push);
            Assert.Equal(i == 0, tcp.CongestionWindowReduced);
            // Everything else is the super-frame's header: ACK, window, the same timestamp on every segment.
            Assert.Equal(template.AckNumber, tcp.AckNumber);
            Assert.Equal(template.WindowLength, tcp.WindowLength);
            Assert.Equal(template.Timestamp, tcp.Timestamp);
            joined.AddRange(data);
            i++;
        }
        Assert.Equal(7, i);
        Assert.Equal(payload, joined.ToArray());
        Assert.False(cutter.TryNext(buffer, out _));
    }

    [Theory]
    [InlineData(1448, 1)]   // exactly one segment
    [InlineData(2896, 2)]   // a whole multiple: no short tail
    [InlineData(65_000, 45)]
    public void SuperFrame_SegmentCount_IsPayloadOverMssRoundedUp(int length, int count)
    {
        var (frame, offload, payload, _) = SuperFrame(length, 1448, fin: false);
        Assert.True(SoftwareOffload.TryCreate(frame, offload, 14, out var cutter));
        Assert.Equal(count, cutter.Count);
        var buffer = new byte[1514];
        var joined = new List<byte>();
        while (cutter.TryNext(buffer, out int n))
            joined.AddRange(ParseWire(buffer.AsSpan(0, n)).Payload);
        Assert.Equal(payload, joined.ToArray());
    }

    [Fact]
    public void PartialChecksum_WithoutSegmentation_IsCompleted()
    {
        var (frame, _, payload, _) = SuperFrame(500, 1448);
        var offload = LinkOffload.TcpChecksumPartial(34);
        Assert.True(SoftwareOffload.TryCreate(frame, offload, 14, out var cutter));
        Assert.Equal(1, cutter.Count);
        var buffer = new byte[1514];
        Assert.True(cutter.TryNext(buffer, out int length));
        Assert.Equal(frame.Length, length);
        Assert.Equal(payload, ParseWire(buffer.AsSpan(0, length)).Payload);
        Assert.False(cutter.TryNext(buffer, out _));
    }

    [Fact]
    public void UnsupportedGsoType_OrBrokenHeaders_AreRefused()
    {
        var (frame, offload, _, _) = SuperFrame(5000, 1448);
        Assert.False(SoftwareOffload.TryCreate(frame, offload with { GsoType = LinkGsoType.Udp }, 14, out _));
        Assert.False(SoftwareOffload.TryCreate(frame, offload with { GsoType = LinkGsoType.TcpV6 }, 14, out _)); // an IPv4 packet
        Assert.False(SoftwareOffload.TryCreate(frame, offload with { SegmentSize = 0 }, 14, out _));
        Assert.False(SoftwareOffload.TryCreate(frame.AsSpan(0, 40), offload, 14, out _));
        var udp = (byte[])frame.Clone();
        udp[14 + 9] = 17;
        Assert.False(SoftwareOffload.TryCreate(udp, offload, 14, out _));
    }

    [Fact]
    public void SuperFrame6_CutAtMss_EachSegmentValid_RoundTrips()
    {
        var source = IPv6Address.Parse("fd00:b::2");
        var destination = IPv6Address.Parse("fd00:b::1");
        var payload = new byte[10_000];
        new Random(6).NextBytes(payload);
        var tcp = new TcpRepr
        {
            SourcePort = 5002, DestinationPort = 40000, SeqNumber = s_seq, AckNumber = new SeqNumber(77), WindowLength = 1000,
            Control = TcpControl.Fin, Push = true, Timestamp = new TcpTimestamp(1, 2), PayloadLength = payload.Length,
        };
        var frame = new byte[14 + 40 + tcp.HeaderLength + payload.Length];
        new EthernetRepr(s_sourceMac, s_destinationMac, EtherType.IPv6).Emit(frame);
        new IPv6Repr { Source = source, Destination = destination, NextHeader = IpProtocol.Tcp, PayloadLength = tcp.BufferLength, HopLimit = 64 }
            .Emit(frame.AsSpan(14));
        tcp.Emit(frame.AsSpan(54), payload, source, destination, partialChecksum: true);
        var offload = LinkOffload.TcpSegmentation(54, 54 + tcp.HeaderLength, 1428, ipv6: true);
        Assert.Equal(LinkGsoType.TcpV6, offload.GsoType);

        Assert.True(SoftwareOffload.TryCreate(frame, offload, 14, out var cutter));
        Assert.Equal(8, cutter.Count); // 10000 / 1428 rounded up
        var buffer = new byte[1514];
        var joined = new List<byte>();
        int i = 0;
        while (cutter.TryNext(buffer, out int length))
        {
            Assert.True(length <= 1514);
            Assert.True(EthernetFrame.TryParse(buffer.AsSpan(0, length), out var eth, out var error), error.ToString());
            Assert.True(IPv6Packet.TryParse(eth.Payload, out var packet, out error), error.ToString());
            Assert.Equal(length - 14 - 40, packet.Payload.Length); // the payload length field was rewritten
            Assert.True(TcpSegment.TryParse(packet.Payload, out var segment, out error), error.ToString());
            Assert.True(TcpRepr.TryParse(segment, source, destination, verifyChecksum: true, out var wire, out error), error.ToString());
            bool last = i == 7;
            Assert.Equal(last ? 10_000 - 7 * 1428 : 1428, segment.Payload.Length);
            Assert.Equal(s_seq + i * 1428, wire.SeqNumber);
            Assert.Equal(last ? TcpControl.Fin : TcpControl.None, wire.Control);
            Assert.Equal(last, wire.Push);
            joined.AddRange(segment.Payload.ToArray());
            i++;
        }
        Assert.Equal(payload, joined.ToArray());

        // An extension header before TCP is not cut (we emit none): refused, so the caller drops and counts it.
        var withOption = (byte[])frame.Clone();
        withOption[14 + IPv6Packet.Field.NextHeader] = (byte)IpProtocol.HopByHop;
        Assert.False(SoftwareOffload.TryCreate(withOption, offload, 14, out _));
    }

    [Fact]
    public void ShortDestination_Throws()
    {
        var (frame, offload, _, _) = SuperFrame(5000, 1448);
        Assert.True(SoftwareOffload.TryCreate(frame, offload, 14, out var cutter));
        bool threw = false;
        try
        {
            cutter.TryNext(new byte[100], out _);
        }
        catch (ArgumentException)
        {
            threw = true;
        }
        Assert.True(threw);
    }

    [Fact]
    public void SoftwareOffloadLink_OffersTransmitOffloads_AndSendsWireFrames()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var link = new SoftwareOffloadLink(a);
        using var other = b;
        Assert.Equal(LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation, link.Capabilities.Offloads);
        Assert.Equal(65535 + 14, link.Capabilities.MaxOffloadFrameLength);
        var (frame, offload, payload, _) = SuperFrame(20_000, 1448);
        Assert.True(link.TrySend(Instant.Zero, frame, offload));
        Assert.Equal(1, link.SuperFramesCut);
        Assert.Equal(14, link.SegmentsMade);
        Assert.Equal(14, b.PendingFrames);
        var buffer = new byte[1514];
        var joined = new List<byte>();
        while (b.TryReceive(Instant.Zero, buffer, out int n))
            joined.AddRange(ParseWire(buffer.AsSpan(0, n)).Payload);
        Assert.Equal(payload, joined.ToArray());

        // A plain partial checksum is completed too; a frame without a descriptor passes as it is.
        var (small, _, _, _) = SuperFrame(100, 1448);
        Assert.True(link.TrySend(Instant.Zero, small, LinkOffload.TcpChecksumPartial(34)));
        Assert.True(b.TryReceive(Instant.Zero, buffer, out int length));
        ParseWire(buffer.AsSpan(0, length));
        Assert.True(link.TrySend(Instant.Zero, small));
        Assert.True(b.TryReceive(Instant.Zero, buffer, out length));
        Assert.Equal(small, buffer.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void FaultInjector_OverLinkWithoutOffloads_OffersNone()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var faults = new FaultInjector(a);
        using var other = b;
        Assert.Equal(LinkOffloads.None, faults.Capabilities.Offloads);
    }

    [Fact]
    public void FaultInjector_SuperFrameSent_FaultsHitEachWireSegment()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var other = b;
        using var faults = new FaultInjector(new OffloadingLink(a), outbound: new FaultOptions { Loss = 0.5 }, seed: 3);
        Assert.Equal(LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation, faults.Capabilities.Offloads);
        var (frame, offload, payload, _) = SuperFrame(40 * 1448, 1448, fin: false);
        Assert.True(faults.TrySend(Instant.Zero, frame, offload));
        Assert.Equal(1, faults.SuperFramesCut);
        Assert.Equal(40, faults.Outbound.Frames);
        Assert.InRange(faults.Outbound.Lost, 5, 35);
        Assert.Equal(40 - faults.Outbound.Lost, faults.Outbound.Delivered);
        Assert.Equal(faults.Outbound.Delivered, b.PendingFrames);
        var buffer = new byte[1514];
        while (b.TryReceive(Instant.Zero, buffer, out int n))
        {
            var (_, tcp, data) = ParseWire(buffer.AsSpan(0, n));
            int offset = tcp.SeqNumber - s_seq;
            Assert.Equal(payload.AsSpan(offset, data.Length).ToArray(), data);
        }
    }

    [Fact]
    public void FaultInjector_SuperFrameReceived_IsCutIntoValidSegments()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var other = b;
        var inner = new OffloadingLink(a);
        using var faults = new FaultInjector(inner);
        var (frame, offload, payload, _) = SuperFrame(10_000, 1448);
        inner.Inbound.Enqueue((frame, offload));
        var buffer = new byte[65_600];
        var joined = new List<byte>();
        int frames = 0;
        while (((ILink)faults).TryReceive(Instant.Zero, buffer, out int n, out var received))
        {
            Assert.True(received.IsNone);
            Assert.True(n <= 1514);
            joined.AddRange(ParseWire(buffer.AsSpan(0, n)).Payload);
            frames++;
        }
        Assert.Equal(7, frames);
        Assert.Equal(7, faults.Inbound.Frames);
        Assert.Equal(7, faults.Inbound.Delivered);
        Assert.Equal(payload, joined.ToArray());
    }

    [Fact]
    public void PcapWriter_RecordsSuperFrameAsWireSegments_AndForwardsItWhole()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var other = b;
        var inner = new OffloadingLink(a);
        var output = new MemoryStream();
        using var pcap = new PcapWriter(inner, output, leaveOpen: true);
        var (frame, offload, payload, _) = SuperFrame(5000, 1448);
        Assert.True(pcap.TrySend(Instant.Zero, frame, offload));
        Assert.Equal(4, pcap.RecordedFrames);
        Assert.Equal(1, inner.SentWithOffload); // the link got the super-frame and its descriptor
        pcap.Flush();
        var bytes = output.ToArray().AsSpan(24);
        var joined = new List<byte>();
        for (int i = 0; i < 4; i++)
        {
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
            joined.AddRange(ParseWire(bytes.Slice(16, captured)).Payload);
            bytes = bytes[(16 + captured)..];
        }
        Assert.True(bytes.IsEmpty);
        Assert.Equal(payload, joined.ToArray());
    }

    [Fact]
    public void Tracer_MarksSuperFrames()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var other = b;
        var writer = new StringWriter();
        using var tracer = new Tracer(new OffloadingLink(a), writer);
        var (frame, offload, _, _) = SuperFrame(5000, 1448);
        Assert.True(tracer.TrySend(Instant.Zero, frame, offload));
        Assert.Contains("super-frame, segments of 1448", writer.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A link that claims every offload, hands out queued (frame, descriptor) pairs, and carries sent super-frames out
    /// in software onto a memory link (a stand-in for an offloading TAP).
    /// </summary>
    private sealed class OffloadingLink(MemoryLink inner) : ILink
    {
        private readonly SoftwareOffloadLink _software = new(inner);

        public Queue<(byte[] Frame, LinkOffload Offload)> Inbound { get; } = new();

        public int SentWithOffload { get; private set; }

        public LinkCapabilities Capabilities => inner.Capabilities with
        {
            Offloads = LinkOffloads.ReceiveChecksum | LinkOffloads.ReceiveSegmentation | LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation,
        };

        public int ReadinessFd => -1;

        public Instant NextDeadline => Instant.MaxValue;

        public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload)
        {
            if (Inbound.TryDequeue(out var next))
            {
                next.Frame.CopyTo(buffer);
                length = next.Frame.Length;
                offload = next.Offload;
                return true;
            }
            return inner.TryReceive(now, buffer, out length, out offload);
        }

        public bool TrySend(Instant now, in LinkFrame frame)
        {
            if (!frame.Offload.IsNone)
                SentWithOffload++;
            return _software.TrySend(now, frame);
        }

        public void Dispose() => inner.Dispose();
    }
}
