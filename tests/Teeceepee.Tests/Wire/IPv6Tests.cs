using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class IPv6Tests
{
    internal static readonly IPv6Address s_a = IPv6Address.Parse("fd00:6:1::2");
    internal static readonly IPv6Address s_peer = IPv6Address.Parse("fd00:6:1::1");

    /// <summary>The IPv6 packet of a golden frame (after the 14-octet Ethernet header).</summary>
    internal static byte[] Packet(string frameHex) => Captures.Bytes(frameHex)[14..];

    [Fact]
    public void Deconstruct_EchoRequest_Header()
    {
        var frame = Captures.Bytes(IPv6Captures.EchoRequest);
        Assert.True(EthernetFrame.TryParse(frame, out var eth, out _));
        Assert.True(EthernetRepr.TryParse(eth, out var ethRepr, out var reason));
        Assert.Equal(EtherType.IPv6, ethRepr.EtherType);
        Assert.True(IPv6Packet.TryParse(eth.Payload, out var ip, out reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(6, ip.Version);
        Assert.Equal(0xb8, ip.TrafficClass);
        Assert.Equal(46, ip.Dscp);   // EF
        Assert.Equal(0, ip.Ecn);
        Assert.Equal(0x12345u, ip.FlowLabel);
        Assert.Equal(24, ip.PayloadLength);
        Assert.Equal(IpProtocol.Icmpv6, ip.NextHeader);
        Assert.Equal(64, ip.HopLimit);
        Assert.Equal(s_peer, ip.Source);
        Assert.Equal(s_a, ip.Destination);
        Assert.Equal(24, ip.Payload.Length);
        Assert.True(IPv6Repr.TryParse(ip, out var repr, out _));
        Assert.Equal(new IPv6Repr { Source = s_peer, Destination = s_a, NextHeader = IpProtocol.Icmpv6, PayloadLength = 24, HopLimit = 64, TrafficClass = 0xb8, FlowLabel = 0x12345 }, repr);
    }

    [Fact]
    public void Construct_EchoRequestHeader_MatchesGolden()
    {
        var golden = Packet(IPv6Captures.EchoRequest);
        var repr = new IPv6Repr { Source = s_peer, Destination = s_a, NextHeader = IpProtocol.Icmpv6, PayloadLength = 24, HopLimit = 64, TrafficClass = 0xb8, FlowLabel = 0x12345 };
        var bytes = new byte[repr.BufferLength];
        golden.AsSpan(40).CopyTo(bytes.AsSpan(40));
        repr.Emit(bytes);
        Assert.Equal(golden, bytes);
    }

    [Fact]
    public void RoundTrips()
    {
        var repr = new IPv6Repr { Source = s_a, Destination = IPv6Address.AllNodes, NextHeader = IpProtocol.Udp, PayloadLength = 3, HopLimit = 255, TrafficClass = 1, FlowLabel = 0xFFFFF };
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes);
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.True(IPv6Repr.TryParse(ip, out var back, out _));
        Assert.Equal(repr, back);
    }

    [Fact]
    public void Truncated_Header_ReturnsTruncatedHeader()
    {
        var golden = Packet(IPv6Captures.EchoRequest);
        for (int n = 0; n < 40; n++)
        {
            Assert.False(IPv6Packet.TryParse(golden.AsSpan(0, n), out _, out var reason));
            Assert.Equal(WireError.TruncatedHeader, reason);
        }
    }

    [Fact]
    public void PayloadLengthPastBuffer_ReturnsBadPayloadLength()
    {
        var golden = Packet(IPv6Captures.EchoRequest);
        Assert.False(IPv6Packet.TryParse(golden.AsSpan(0, golden.Length - 1), out _, out var reason));
        Assert.Equal(WireError.BadPayloadLength, reason);
    }

    [Fact]
    public void Version4_ReturnsBadVersion()
    {
        var bytes = Packet(IPv6Captures.EchoRequest);
        bytes[0] = 0x45;
        Assert.False(IPv6Packet.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.BadVersion, reason);
    }

    [Fact]
    public void MulticastSource_ReturnsBadSourceAddress()
    {
        var bytes = Packet(IPv6Captures.EchoRequest);
        IPv6Address.AllNodes.WriteTo(bytes.AsSpan(IPv6Packet.Field.Source));
        Assert.False(IPv6Packet.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.BadSourceAddress, reason);
    }

    [Fact]
    public void EthernetPadding_IsCutAtPayloadLength()
    {
        var bytes = new byte[100];
        Packet(IPv6Captures.EchoRequest).CopyTo(bytes, 0);
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.Equal(64, ip.Buffer.Length);
        Assert.Equal(24, ip.Payload.Length);
    }

    [Fact]
    public void Quoted_TruncatedPayload_Parses()
    {
        var bytes = Packet(IPv6Captures.EchoRequest)[..44];
        Assert.False(IPv6Packet.TryParse(bytes, out _, out _));
        Assert.True(IPv6Packet.TryParseQuoted(bytes, out var quoted, out _));
        Assert.Equal(24, quoted.PayloadLength);
        Assert.Equal(4, quoted.Payload.Length);
    }

    [Fact]
    public void Chain_NoExtensionHeaders_UpperLayerAt40()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.EchoRequest), out var ip, out _));
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out _));
        Assert.Equal(IpProtocol.Icmpv6, chain.UpperLayer);
        Assert.Equal(40, chain.UpperLayerOffset);
        Assert.Equal(6, chain.NextHeaderOffset);
        Assert.Equal(0, chain.HeaderCount);
        Assert.Null(chain.Fragment);
        Assert.True(chain.HasUpperLayer);
    }

    [Fact]
    public void Chain_HopByHopRouterAlert_Mld()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.Mldv2Report), out var ip, out _));
        Assert.Equal(IpProtocol.HopByHop, ip.NextHeader);
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out var reason), reason.ToString());
        Assert.Equal(IpProtocol.Icmpv6, chain.UpperLayer);
        Assert.Equal(48, chain.UpperLayerOffset);
        Assert.Equal(40, chain.NextHeaderOffset);
        Assert.Equal((ushort)0, chain.RouterAlert);
        Assert.Equal(1, chain.HeaderCount);
    }

    [Fact]
    public void Construct_HopByHopRouterAlert_MatchesGolden()
    {
        var golden = Packet(IPv6Captures.Mldv2Report);
        var bytes = new byte[8];
        new IPv6HopByHopRepr(IpProtocol.Icmpv6, IPv6HopByHopRepr.RouterAlertMld).Emit(bytes);
        Assert.Equal(golden[40..48], bytes);
    }

    [Fact]
    public void Chain_DestinationOptionsPadN_Skipped()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.DestinationOptionsUdp), out var ip, out _));
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out _));
        Assert.Equal(IpProtocol.Udp, chain.UpperLayer);
        Assert.Equal(48, chain.UpperLayerOffset);
    }

    [Fact]
    public void Chain_UnknownOption10_ReportsActionAndPointer()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.UnknownOption), out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out var chain, out var reason));
        Assert.Equal(WireError.UnrecognizedOption, reason);
        Assert.Equal(IPv6OptionAction.DiscardAndReport, chain.OptionAction);   // type 0x9e: high bits 10
        Assert.Equal(42, chain.ProblemPointer);
        Assert.Equal(Icmpv6ParameterProblemCode.UnrecognizedOption, chain.ProblemCode);
    }

    [Fact]
    public void Chain_UnknownOption00_Skipped()
    {
        var bytes = Packet(IPv6Captures.UnknownOption);
        bytes[42] = 0x1e;   // action 00: skip
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out _));
        Assert.Equal(IpProtocol.Udp, chain.UpperLayer);
    }

    [Fact]
    public void Chain_RoutingType0WithSegmentsLeft_Refused()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.RoutingType0), out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out var chain, out var reason));
        Assert.Equal(WireError.RoutingType0, reason);
        Assert.Equal(42, chain.ProblemPointer);   // the routing type field (RFC 8200 §4.4)
        Assert.Equal(Icmpv6ParameterProblemCode.ErroneousHeaderField, chain.ProblemCode);
    }

    [Fact]
    public void Chain_RoutingType0NoSegmentsLeft_Ignored()
    {
        var bytes = Packet(IPv6Captures.RoutingType0);
        bytes[43] = 0;
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out _));
        Assert.Equal(IpProtocol.Icmpv6, chain.UpperLayer);
        Assert.Equal(64, chain.UpperLayerOffset);
    }

    [Fact]
    public void Chain_OtherRoutingTypeWithSegmentsLeft_Unsupported()
    {
        var bytes = Packet(IPv6Captures.RoutingType0);
        bytes[42] = 4;
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out _, out var reason));
        Assert.Equal(WireError.UnsupportedRoutingType, reason);
    }

    [Fact]
    public void Chain_FirstFragment()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.FirstFragment), out var ip, out _));
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out _));
        Assert.Equal(new IPv6FragmentInfo(IpProtocol.Icmpv6, 0, true, 0xabcdef01, 40), chain.Fragment);
        Assert.False(chain.Fragment!.Value.IsAtomic);
        Assert.Equal(IpProtocol.Icmpv6, chain.UpperLayer);
        Assert.Equal(48, chain.UpperLayerOffset);
        Assert.True(chain.HasUpperLayer);
    }

    [Fact]
    public void Chain_LastFragment_StopsAtFragmentHeader()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.LastFragment), out var ip, out _));
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out _));
        Assert.Equal(new IPv6FragmentInfo(IpProtocol.Icmpv6, 40, false, 0xabcdef01, 40), chain.Fragment);
        Assert.Equal(48, chain.UpperLayerOffset);
        Assert.False(chain.HasUpperLayer);
    }

    [Fact]
    public void Chain_AtomicFragment_Recognised()
    {
        Assert.True(IPv6Packet.TryParse(Packet(IPv6Captures.AtomicFragment), out var ip, out _));
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out _));
        Assert.True(chain.Fragment!.Value.IsAtomic);
        Assert.Equal(7u, chain.Fragment.Value.Identification);
        Assert.Equal(IpProtocol.Icmpv6, chain.UpperLayer);
    }

    [Fact]
    public void Construct_FragmentHeader_MatchesGolden()
    {
        var golden = Packet(IPv6Captures.LastFragment);
        var bytes = new byte[8];
        new IPv6FragmentInfo(IpProtocol.Icmpv6, 40, false, 0xabcdef01).Emit(bytes);
        Assert.Equal(golden[40..48], bytes);
    }

    [Fact]
    public void Chain_UnknownNextHeader_PointsAtTheField()
    {
        var bytes = Packet(IPv6Captures.EchoRequest);
        bytes[IPv6Packet.Field.NextHeader] = 253;
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out var chain, out var reason));
        Assert.Equal(WireError.UnknownNextHeader, reason);
        Assert.Equal(6, chain.ProblemPointer);
        Assert.Equal(Icmpv6ParameterProblemCode.UnrecognizedNextHeader, chain.ProblemCode);
    }

    [Fact]
    public void Chain_HopByHopAfterAnotherHeader_Misplaced()
    {
        var bytes = Packet(IPv6Captures.DestinationOptionsUdp);
        bytes[40] = (byte)IpProtocol.HopByHop;
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out var chain, out var reason));
        Assert.Equal(WireError.MisplacedHopByHop, reason);
        Assert.Equal(40, chain.ProblemPointer);
    }

    [Fact]
    public void Chain_TooManyHeaders_Rejected()
    {
        // Nine destination options headers of 8 octets, then "no next header".
        var bytes = new byte[40 + 9 * 8];
        new IPv6Repr { Source = s_peer, Destination = s_a, NextHeader = IpProtocol.IPv6DestinationOptions, PayloadLength = 72, HopLimit = 64 }.Emit(bytes);
        for (int i = 0; i < 9; i++)
        {
            bytes[40 + 8 * i] = (byte)(i == 8 ? IpProtocol.NoNextHeader : IpProtocol.IPv6DestinationOptions);
            bytes[42 + 8 * i] = 1;   // PadN with 4 octets
            bytes[43 + 8 * i] = 4;
        }
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out _, out var reason));
        Assert.Equal(WireError.TooManyExtensionHeaders, reason);
        Assert.True(IPv6HeaderChain.TryParse(ip.Buffer, maxHeaders: 9, maxLength: 1024, out var chain, out _));
        Assert.Equal(IpProtocol.NoNextHeader, chain.UpperLayer);
        Assert.False(chain.HasUpperLayer);
        Assert.False(IPv6HeaderChain.TryParse(ip.Buffer, maxHeaders: 9, maxLength: 64, out _, out reason));
        Assert.Equal(WireError.TooManyExtensionHeaders, reason);
    }

    [Fact]
    public void Chain_TruncatedExtensionHeader_Rejected()
    {
        var bytes = Packet(IPv6Captures.DestinationOptionsUdp);
        bytes[41] = 2;   // claims 24 octets; the packet has 8 + 12 after the fixed header
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out _, out var reason));
        Assert.Equal(WireError.BadExtensionHeader, reason);
    }

    [Fact]
    public void Chain_OptionPastItsHeader_Rejected()
    {
        var bytes = Packet(IPv6Captures.DestinationOptionsUdp);
        bytes[43] = 5;   // PadN of 5 octets in a 6-octet option area... one too many
        Assert.True(IPv6Packet.TryParse(bytes, out var ip, out _));
        Assert.False(IPv6HeaderChain.TryParse(ip, out _, out var reason));
        Assert.Equal(WireError.BadExtensionOption, reason);
    }
}
