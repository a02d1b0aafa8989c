using System.Text;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

/// <summary>TCP and UDP over IPv6: the pseudo-header of RFC 8200 §8.1 through the <see cref="NetAddress"/> overloads.</summary>
public class IPv6TransportTests
{
    private static readonly NetAddress s_a = IPv6Tests.s_a;
    private static readonly NetAddress s_peer = IPv6Tests.s_peer;

    private static byte[] Upper(string frameHex) => Captures.Bytes(frameHex)[54..];

    [Fact]
    public void Deconstruct_UdpHello6()
    {
        var bytes = Upper(IPv6Captures.UdpHello6);
        Assert.True(UdpDatagram.TryParse(bytes, out var datagram, out _));
        Assert.True(datagram.IsChecksumValid(s_a, s_peer));
        Assert.True(UdpRepr.TryParse(datagram, s_a, s_peer, verifyChecksum: true, out var repr, out _));
        Assert.Equal(new UdpRepr(40003, 4000, 15), repr);
        Assert.Equal("hello teeceepee", Encoding.ASCII.GetString(datagram.Payload));
    }

    [Fact]
    public void Construct_UdpHello6_MatchesGolden()
    {
        var bytes = new byte[23];
        new UdpRepr(40003, 4000, 15).Emit(bytes, Encoding.ASCII.GetBytes("hello teeceepee"), s_a, s_peer);
        Assert.Equal(Upper(IPv6Captures.UdpHello6), bytes);
    }

    [Fact]
    public void Udp6_ZeroChecksum_Rejected()
    {
        var bytes = Upper(IPv6Captures.UdpHello6);
        bytes[6] = bytes[7] = 0;
        Assert.True(UdpDatagram.TryParse(bytes, out var datagram, out _));
        Assert.False(datagram.IsChecksumValid(s_a, s_peer));
        Assert.False(UdpRepr.TryParse(datagram, s_a, s_peer, verifyChecksum: false, out _, out var reason));
        Assert.Equal(WireError.ZeroUdpChecksum, reason);
    }

    [Fact]
    public void Udp6_WrongAddress_BadChecksum()
    {
        Assert.True(UdpDatagram.TryParse(Upper(IPv6Captures.UdpHello6), out var datagram, out _));
        Assert.False(UdpRepr.TryParse(datagram, s_a, NetAddress.Parse("fd00:6:1::3"), verifyChecksum: true, out _, out var reason));
        Assert.Equal(WireError.BadChecksum, reason);
    }

    [Fact]
    public void Udp_IPv4ThroughNetAddress_SameAsIPv4Overload()
    {
        var bytes = Captures.Bytes(Captures.UdpHello)[34..];
        var src = IPv4Address.Parse("198.18.1.2");
        var dst = IPv4Address.Parse("198.18.1.1");
        Assert.True(UdpDatagram.TryParse(bytes, out var datagram, out _));
        Assert.True(UdpRepr.TryParse(datagram, new NetAddress(src), new NetAddress(dst), verifyChecksum: true, out var viaNet, out _));
        Assert.True(UdpRepr.TryParse(datagram, src, dst, verifyChecksum: true, out var viaV4, out _));
        Assert.Equal(viaV4, viaNet);
        var emitted = new byte[bytes.Length];
        viaNet.Emit(emitted, datagram.Payload, new NetAddress(src), new NetAddress(dst));
        Assert.Equal(bytes, emitted);
        Assert.Equal(Checksum.PseudoHeader(src, dst, 17, 23), Checksum.PseudoHeader(new NetAddress(src), new NetAddress(dst), 17, 23));
    }

    private static readonly TcpRepr s_syn = new()
    {
        SourcePort = 40004,
        DestinationPort = 80,
        Control = TcpControl.Syn,
        SeqNumber = new SeqNumber(0x01020304),
        WindowLength = 64800,
        MaxSegmentSize = 1440,
        SackPermitted = true,
        Timestamp = new TcpTimestamp(1, 0),
        WindowScale = 7,
    };

    [Fact]
    public void Deconstruct_TcpSyn6()
    {
        var bytes = Upper(IPv6Captures.TcpSyn6);
        Assert.True(TcpSegment.TryParse(bytes, out var segment, out _));
        Assert.True(segment.VerifyChecksum(s_a, s_peer));
        Assert.True(TcpRepr.TryParse(segment, s_a, s_peer, verifyChecksum: true, out var repr, out var reason), reason.ToString());
        Assert.Equal(s_syn.SeqNumber, repr.SeqNumber);
        Assert.Equal((ushort?)1440, repr.MaxSegmentSize);
        Assert.Equal((byte?)7, repr.WindowScale);
        Assert.True(repr.SackPermitted);
        Assert.False(TcpRepr.TryParse(segment, s_peer, s_a with { Low = 7 }, verifyChecksum: true, out _, out reason));
        Assert.Equal(WireError.BadChecksum, reason);
    }

    [Fact]
    public void RoundTrips_Tcp6_WithPayload()
    {
        var repr = s_syn with { Control = TcpControl.None, AckNumber = new SeqNumber(9), PayloadLength = 5, MaxSegmentSize = null, WindowScale = null, SackPermitted = false };
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, "hello"u8, s_a, s_peer);
        Assert.True(TcpSegment.TryParse(bytes, out var segment, out _));
        Assert.True(TcpRepr.TryParse(segment, s_a, s_peer, verifyChecksum: true, out var back, out _));
        Assert.Equal(repr, back);
    }

    [Fact]
    public void Tcp6_PartialChecksum_IsPseudoHeaderSum()
    {
        var repr = s_syn;
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, s_a, s_peer, partialChecksum: true);
        ushort field = (ushort)((bytes[16] << 8) | bytes[17]);
        Assert.Equal((ushort)~Checksum.Fold(Checksum.PseudoHeader(s_a.V6, s_peer.V6, 6, bytes.Length)), field);
    }

    [Fact]
    public void PseudoHeader_IPv6_MatchesLongHand()
    {
        // RFC 8200 §8.1: source, destination, 32-bit length, three zero octets, next header.
        var a = IPv6Address.Parse("2001:db8::1");
        var b = IPv6Address.Parse("fe80::ffff:1:2:3");
        var block = new byte[40];
        a.WriteTo(block);
        b.WriteTo(block.AsSpan(16));
        block[34] = 0x01;   // length 0x0123
        block[35] = 0x23;
        block[39] = 58;
        Assert.Equal(Checksum.Fold(Checksum.Sum(block)), Checksum.Fold(Checksum.PseudoHeader(a, b, 58, 0x123)));
        Assert.Equal(Checksum.Fold(Checksum.Sum(block)), Checksum.Fold(Checksum.PseudoHeader(new NetAddress(a), new NetAddress(b), 58, 0x123)));
    }
}
