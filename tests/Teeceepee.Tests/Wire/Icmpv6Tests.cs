using System.Text;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class Icmpv6Tests
{
    private static readonly IPv6Address s_a = IPv6Tests.s_a;
    private static readonly IPv6Address s_peer = IPv6Tests.s_peer;

    /// <summary>The ICMPv6 message of a golden frame without extension headers.</summary>
    internal static byte[] Message(string frameHex) => Captures.Bytes(frameHex)[54..];

    private static Icmpv6Packet Parse(string frameHex, IPv6Address source, IPv6Address destination)
    {
        Assert.True(Icmpv6Packet.TryParse(Message(frameHex), source, destination, out var packet, out var reason), reason.ToString());
        return packet;
    }

    [Fact]
    public void Deconstruct_EchoRequest()
    {
        var packet = Parse(IPv6Captures.EchoRequest, s_peer, s_a);
        Assert.Equal(Icmpv6Type.EchoRequest, packet.Type);
        Assert.Equal(0x49b9, packet.Checksum);
        Assert.True(packet.IsChecksumValid(s_peer, s_a));
        Assert.Equal("teeceepee ping6!", Encoding.ASCII.GetString(packet.Data));
        Assert.True(Icmpv6Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(Icmpv6Repr.EchoRequest(0x1234, 7, 16), repr);
        Assert.False(repr.IsError);
    }

    [Fact]
    public void Construct_EchoReply_MatchesGolden()
    {
        var golden = Message(IPv6Captures.EchoReply);
        var bytes = new byte[golden.Length];
        Icmpv6Repr.EchoReply(0x1234, 7, 16).Emit(bytes, Encoding.ASCII.GetBytes("teeceepee ping6!"), s_a, s_peer);
        Assert.Equal(golden, bytes);
    }

    [Fact]
    public void WrongAddresses_ReturnsBadChecksum()
    {
        Assert.False(Icmpv6Packet.TryParse(Message(IPv6Captures.EchoRequest), s_a, s_peer with { Low = 9 }, out _, out var reason));
        Assert.Equal(WireError.BadChecksum, reason);
        Assert.True(Icmpv6Packet.TryParse(Message(IPv6Captures.EchoRequest), s_a, s_peer with { Low = 9 }, verifyChecksum: false, out _, out _));
    }

    [Fact]
    public void Truncated_ReturnsTruncatedHeader()
    {
        var bytes = Message(IPv6Captures.EchoRequest);
        for (int n = 0; n < 8; n++)
        {
            Assert.False(Icmpv6Packet.TryParse(bytes.AsSpan(0, n), s_peer, s_a, verifyChecksum: false, out _, out var reason));
            Assert.Equal(WireError.TruncatedHeader, reason);
        }
    }

    [Fact]
    public void Deconstruct_PacketTooBig_QuotesTcp()
    {
        var packet = Parse(IPv6Captures.PacketTooBig, s_peer, s_a);
        Assert.True(Icmpv6Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(Icmpv6Repr.PacketTooBig(1280, 60), repr);
        Assert.True(repr.IsError);
        Assert.True(IPv6Packet.TryParseQuoted(packet.QuotedPacket, out var quoted, out _));
        Assert.Equal(s_a, quoted.Source);
        Assert.Equal(1460, quoted.PayloadLength);
        Assert.True(IPv6HeaderChain.TryParse(quoted.Buffer, IPv6HeaderChain.DefaultMaxHeaders, IPv6HeaderChain.DefaultMaxLength, out var chain, out _));
        Assert.Equal(IpProtocol.Tcp, chain.UpperLayer);
        Assert.True(TcpSegment.TryParse(quoted.Buffer[chain.UpperLayerOffset..], out var tcp, out _));
        Assert.Equal(40000, tcp.SourcePort);
        Assert.Equal(80, tcp.DestinationPort);
    }

    [Fact]
    public void Construct_PacketTooBig_MatchesGolden()
    {
        var golden = Message(IPv6Captures.PacketTooBig);
        var bytes = new byte[golden.Length];
        Icmpv6Repr.PacketTooBig(1280, 60).Emit(bytes, golden.AsSpan(8), s_peer, s_a);
        Assert.Equal(golden, bytes);
    }

    [Fact]
    public void Deconstruct_PortUnreachable()
    {
        var packet = Parse(IPv6Captures.PortUnreachable, s_peer, s_a);
        Assert.True(Icmpv6Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(Icmpv6Repr.DestinationUnreachable(Icmpv6UnreachableCode.PortUnreachable, 53), repr);
        var golden = Message(IPv6Captures.PortUnreachable);
        var bytes = new byte[golden.Length];
        repr.Emit(bytes, golden.AsSpan(8), s_peer, s_a);
        Assert.Equal(golden, bytes);
    }

    [Fact]
    public void Deconstruct_TimeExceeded()
    {
        var packet = Parse(IPv6Captures.TimeExceeded, s_peer, s_a);
        Assert.True(Icmpv6Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(Icmpv6Repr.TimeExceeded(Icmpv6TimeExceededCode.HopLimitExceeded, 53), repr);
    }

    [Fact]
    public void Deconstruct_ParameterProblem_Pointer()
    {
        var packet = Parse(IPv6Captures.ParameterProblem, s_peer, s_a);
        Assert.Equal(40u, packet.Pointer);
        Assert.True(Icmpv6Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(Icmpv6Repr.ParameterProblem(Icmpv6ParameterProblemCode.UnrecognizedNextHeader, 40, 48), repr);
        var golden = Message(IPv6Captures.ParameterProblem);
        var bytes = new byte[golden.Length];
        repr.Emit(bytes, golden.AsSpan(8), s_peer, s_a);
        Assert.Equal(golden, bytes);
    }

    [Fact]
    public void ErrorWithoutQuotedIPv6Header_Unsupported()
    {
        var bytes = Message(IPv6Captures.PortUnreachable)[..40];
        Icmpv6Repr.WriteChecksum(bytes, s_peer, s_a);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_peer, s_a, out var packet, out _));
        Assert.False(Icmpv6Repr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.UnsupportedIcmpv6, reason);
    }

    [Theory]
    [InlineData(1, 8)]      // unreachable code 8
    [InlineData(3, 2)]      // time exceeded code 2
    [InlineData(4, 4)]      // parameter problem code 4
    [InlineData(135, 0)]    // NDP: NdpRepr's, not ours
    [InlineData(200, 0)]    // private experimentation
    public void OtherTypeOrCode_Unsupported(byte type, byte code)
    {
        var bytes = Message(IPv6Captures.PortUnreachable);
        bytes[0] = type;
        bytes[1] = code;
        Icmpv6Repr.WriteChecksum(bytes, s_peer, s_a);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_peer, s_a, out var packet, out _));
        Assert.False(Icmpv6Repr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.UnsupportedIcmpv6, reason);
    }

    [Fact]
    public void RoundTrips()
    {
        Icmpv6Repr[] reprs =
        [
            Icmpv6Repr.EchoRequest(1, 2, 0),
            Icmpv6Repr.EchoReply(65535, 65535, 48),
            Icmpv6Repr.PacketTooBig(1500, 48),
            Icmpv6Repr.TimeExceeded(Icmpv6TimeExceededCode.ReassemblyTimeExceeded, 48),
            Icmpv6Repr.ParameterProblem(Icmpv6ParameterProblemCode.ErroneousHeaderField, 7, 48),
            Icmpv6Repr.DestinationUnreachable(Icmpv6UnreachableCode.AddressUnreachable, 48),
        ];
        foreach (var repr in reprs)
        {
            var bytes = new byte[repr.BufferLength];
            if (repr.IsError)
                new IPv6Repr { Source = s_a, Destination = s_peer, NextHeader = IpProtocol.Udp, HopLimit = 64, PayloadLength = 8 }.Emit(bytes.AsSpan(8));
            repr.Emit(bytes, s_a, s_peer);
            Assert.True(Icmpv6Packet.TryParse(bytes, s_a, s_peer, out var packet, out _));
            Assert.True(Icmpv6Repr.TryParse(packet, out var back, out _));
            Assert.Equal(repr, back);
        }
    }
}
