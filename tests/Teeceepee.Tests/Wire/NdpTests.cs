using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class NdpTests
{
    private static readonly IPv6Address s_a = IPv6Tests.s_a;
    private static readonly IPv6Address s_router = IPv6Address.Parse("fe80::1");
    private static readonly IPv6Address s_linkLocal = IPv6Address.Parse("fe80::ff:fe00:a");
    private static readonly MacAddress s_macA = MacAddress.Parse("02:00:00:00:00:0a");
    private static readonly MacAddress s_macRouter = MacAddress.Parse("02:00:00:00:00:1a");

    private static NdpRepr Parse(string frameHex, IPv6Address source, IPv6Address destination)
    {
        Assert.True(Icmpv6Packet.TryParse(Icmpv6Tests.Message(frameHex), source, destination, out var packet, out var reason), reason.ToString());
        Assert.True(NdpRepr.TryParse(packet, out var repr, out reason), reason.ToString());
        return repr;
    }

    private static void AssertEmits(NdpRepr repr, string frameHex, IPv6Address source, IPv6Address destination)
    {
        var golden = Icmpv6Tests.Message(frameHex);
        Assert.Equal(golden.Length, repr.BufferLength);
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, source, destination);
        Assert.Equal(Convert.ToHexString(golden), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Deconstruct_NeighborSolicitation()
    {
        var repr = Parse(IPv6Captures.NeighborSolicitation, s_router, s_a.SolicitedNode);
        Assert.Equal(NdpRepr.NeighborSolicitation(s_a, s_macRouter), repr);
        Assert.True(IPv6Packet.TryParse(IPv6Tests.Packet(IPv6Captures.NeighborSolicitation), out var ip, out _));
        Assert.Equal(255, ip.HopLimit);   // the host checks it (RFC 4861 §7.1.1)
    }

    [Fact]
    public void Construct_NeighborSolicitation_MatchesGolden() =>
        AssertEmits(NdpRepr.NeighborSolicitation(s_a, s_macRouter), IPv6Captures.NeighborSolicitation, s_router, s_a.SolicitedNode);

    [Fact]
    public void Deconstruct_NeighborAdvertisement()
    {
        var repr = Parse(IPv6Captures.NeighborAdvertisement, s_a, s_router);
        Assert.Equal(NdpRepr.NeighborAdvertisement(s_a, s_macA, solicited: true, @override: true), repr);
        Assert.False(repr.Router);
    }

    [Fact]
    public void Construct_NeighborAdvertisement_MatchesGolden() =>
        AssertEmits(NdpRepr.NeighborAdvertisement(s_a, s_macA, solicited: true, @override: true), IPv6Captures.NeighborAdvertisement, s_a, s_router);

    [Fact]
    public void Deconstruct_RouterSolicitation()
    {
        Assert.Equal(NdpRepr.RouterSolicitation(s_macA), Parse(IPv6Captures.RouterSolicitation, s_linkLocal, IPv6Address.AllRouters));
        AssertEmits(NdpRepr.RouterSolicitation(s_macA), IPv6Captures.RouterSolicitation, s_linkLocal, IPv6Address.AllRouters);
    }

    private static readonly NdpRepr s_ra = new()
    {
        Type = Icmpv6Type.RouterAdvertisement,
        CurrentHopLimit = 64,
        OtherConfiguration = true,
        RouterLifetime = 1800,
        ReachableTime = 30000,
        RetransTimer = 1000,
        SourceLinkLayerAddress = MacAddress.Parse("02:00:00:00:00:1a"),
        Mtu = 1400,
        Prefix = new NdpPrefixInformation(64, true, true, 86400, 14400, IPv6Address.Parse("fd00:6:1::")),
        PrefixCount = 1,
        Rdnss = new NdpRdnss(600, IPv6Address.Parse("fd00:6:1::53"), IPv6Address.Parse("fd00:6:1::54")),
    };

    [Fact]
    public void Deconstruct_RouterAdvertisement()
    {
        var repr = Parse(IPv6Captures.RouterAdvertisement, s_router, IPv6Address.AllNodes);
        Assert.Equal(s_ra, repr);
        Assert.False(repr.ManagedAddressConfiguration);
    }

    [Fact]
    public void Deconstruct_RouterAdvertisement_OptionsEnumerated()
    {
        Assert.True(Icmpv6Packet.TryParse(Icmpv6Tests.Message(IPv6Captures.RouterAdvertisement), s_router, IPv6Address.AllNodes, out var packet, out _));
        Assert.True(NdpRepr.TryGetOptions(packet, out var options, out _));
        var types = new List<NdpOptionType>();
        foreach (var option in options)
        {
            types.Add(option.Type);
            if (option.Type == NdpOptionType.RecursiveDnsServer)
            {
                Assert.Equal(2, option.RdnssCount);
                Assert.Equal(IPv6Address.Parse("fd00:6:1::54"), option.GetRdnssServer(1));
            }
        }
        // scapy's order: SLLA, MTU, prefix, RDNSS.
        Assert.Equal([NdpOptionType.SourceLinkLayerAddress, NdpOptionType.Mtu, NdpOptionType.PrefixInformation, NdpOptionType.RecursiveDnsServer], types);
    }

    [Fact]
    public void Construct_RouterAdvertisement_SameOptionsInOurOrder()
    {
        // We emit the options in our order (prefix before MTU); compare field by field after a parse.
        var bytes = new byte[s_ra.BufferLength];
        s_ra.Emit(bytes, s_router, IPv6Address.AllNodes);
        Assert.Equal(Icmpv6Tests.Message(IPv6Captures.RouterAdvertisement).Length, bytes.Length);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_router, IPv6Address.AllNodes, out var packet, out _));
        Assert.True(NdpRepr.TryParse(packet, out var back, out _));
        Assert.Equal(s_ra, back);
    }

    [Fact]
    public void Deconstruct_Redirect()
    {
        var repr = Parse(IPv6Captures.Redirect, s_router, s_a);
        Assert.Equal(Icmpv6Type.Redirect, repr.Type);
        Assert.Equal(IPv6Address.Parse("fe80::2"), repr.TargetAddress);
        Assert.Equal(IPv6Address.Parse("fd00:6:2::9"), repr.DestinationAddress);
        Assert.Equal(MacAddress.Parse("02:00:00:00:00:2a"), repr.TargetLinkLayerAddress);
        AssertEmits(repr, IPv6Captures.Redirect, s_router, s_a);
    }

    [Fact]
    public void OptionLengthZero_ReturnsBadNdpOption()
    {
        var bytes = Icmpv6Tests.Message(IPv6Captures.NeighborSolicitation);
        bytes[25] = 0;   // the SLLA option's length
        Icmpv6Repr.WriteChecksum(bytes, s_router, s_a.SolicitedNode);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_router, s_a.SolicitedNode, out var packet, out _));
        Assert.False(NdpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.BadNdpOption, reason);
    }

    [Theory]
    [InlineData(2)]   // link-layer address option of 16 octets
    [InlineData(9)]   // past the message
    public void OptionLengthWrongOrPastEnd_ReturnsBadNdpOption(byte units)
    {
        var bytes = Icmpv6Tests.Message(IPv6Captures.NeighborSolicitation);
        bytes[25] = units;
        Icmpv6Repr.WriteChecksum(bytes, s_router, s_a.SolicitedNode);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_router, s_a.SolicitedNode, out var packet, out _));
        Assert.False(NdpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.BadNdpOption, reason);
    }

    [Fact]
    public void NonZeroCode_ReturnsBadNdpMessage()
    {
        var bytes = Icmpv6Tests.Message(IPv6Captures.NeighborAdvertisement);
        bytes[1] = 1;
        Icmpv6Repr.WriteChecksum(bytes, s_a, s_router);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_a, s_router, out var packet, out _));
        Assert.False(NdpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.BadNdpMessage, reason);
    }

    [Fact]
    public void MulticastTarget_ReturnsBadNdpMessage()
    {
        var bytes = Icmpv6Tests.Message(IPv6Captures.NeighborSolicitation);
        IPv6Address.AllNodes.WriteTo(bytes.AsSpan(8));
        Icmpv6Repr.WriteChecksum(bytes, s_router, s_a.SolicitedNode);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_router, s_a.SolicitedNode, out var packet, out _));
        Assert.False(NdpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.BadNdpMessage, reason);
    }

    [Fact]
    public void Truncated_ReturnsBadNdpMessage()
    {
        var bytes = Icmpv6Tests.Message(IPv6Captures.NeighborSolicitation)[..20];
        Icmpv6Repr.WriteChecksum(bytes, s_router, s_a.SolicitedNode);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_router, s_a.SolicitedNode, out var packet, out _));
        Assert.False(NdpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.BadNdpMessage, reason);
    }

    [Fact]
    public void RoundTrips_DadSolicitationWithoutOptions()
    {
        var repr = NdpRepr.NeighborSolicitation(s_a, null);
        var bytes = new byte[repr.BufferLength];
        Assert.Equal(24, bytes.Length);
        repr.Emit(bytes, IPv6Address.Unspecified, s_a.SolicitedNode);
        Assert.True(Icmpv6Packet.TryParse(bytes, IPv6Address.Unspecified, s_a.SolicitedNode, out var packet, out _));
        Assert.True(NdpRepr.TryParse(packet, out var back, out _));
        Assert.Equal(repr, back);
    }
}
