using CsCheck;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

/// <summary>CsCheck properties for the IPv6 wire code: no parser throws on any input; emit then parse gives the repr back.</summary>
public class IPv6PropertyTests
{
    internal static readonly Gen<IPv6Address> GenAddress = Gen.Select(Gen.ULong, Gen.ULong).Select((h, l) => new IPv6Address(h, l));

    internal static readonly Gen<IPv6Address> GenSource = GenAddress.Where(a => !a.IsMulticast);

    private static readonly string[] s_goldens =
    [
        IPv6Captures.EchoRequest, IPv6Captures.NeighborSolicitation, IPv6Captures.NeighborAdvertisement,
        IPv6Captures.RouterSolicitation, IPv6Captures.RouterAdvertisement, IPv6Captures.Redirect,
        IPv6Captures.Mldv2Report, IPv6Captures.PacketTooBig, IPv6Captures.ParameterProblem,
        IPv6Captures.FirstFragment, IPv6Captures.LastFragment, IPv6Captures.RoutingType0,
        IPv6Captures.DestinationOptionsUdp, IPv6Captures.UnknownOption, IPv6Captures.TcpSyn6,
    ];

    // Runs every IPv6 parser over the bytes, as the host would; none may throw, and accessors after success may not either.
    private static void ParseEverything(ReadOnlySpan<byte> bytes)
    {
        if (IPv6Packet.TryParseQuoted(bytes, out var quoted, out _))
            _ = IPv6HeaderChain.TryParse(quoted.Buffer, 8, 1024, out _, out _);
        if (!IPv6Packet.TryParse(bytes, out var ip, out _))
            return;
        _ = (ip.TrafficClass, ip.FlowLabel, ip.HopLimit, ip.Source, ip.Destination, ip.Payload.Length);
        _ = IPv6Repr.TryParse(ip, out _, out _);
        if (!IPv6HeaderChain.TryParse(ip, out var chain, out _) || !chain.HasUpperLayer)
            return;
        var upper = ip.Buffer[Math.Min(chain.UpperLayerOffset, ip.Buffer.Length)..];
        if (Icmpv6Packet.TryParse(upper, ip.Source, ip.Destination, verifyChecksum: false, out var icmp, out _))
        {
            _ = (icmp.Mtu, icmp.Pointer, icmp.Identifier, icmp.Body.Length);
            _ = Icmpv6Repr.TryParse(icmp, out _, out _);
            if (NdpRepr.TryParse(icmp, out var ndp, out _))
                _ = ndp.BufferLength;
            if (NdpRepr.TryGetOptions(icmp, out var options, out _))
                foreach (var option in options)
                    _ = option.Type switch
                    {
                        NdpOptionType.PrefixInformation => option.PrefixInformation.GetHashCode(),
                        NdpOptionType.RecursiveDnsServer => option.Rdnss.GetHashCode(),
                        NdpOptionType.Mtu => (int)option.Mtu,
                        NdpOptionType.SourceLinkLayerAddress => option.LinkLayerAddress.GetHashCode(),
                        _ => option.Data.Length,
                    };
            if (MldReport.TryParse(icmp, out var report, out _))
                _ = MldReportRepr.TryParse(report, out _, out _);
        }
        if (UdpDatagram.TryParse(upper, out var udp, out _))
            _ = UdpRepr.TryParse(udp, ip.Source, ip.Destination, verifyChecksum: true, out _, out _);
        if (TcpSegment.TryParse(upper, out var tcp, out _))
            _ = TcpRepr.TryParse(tcp, ip.Source, ip.Destination, verifyChecksum: false, out _, out _);
    }

    [Fact]
    public void RandomBytes_NoParserThrows() =>
        WireGen.Bytes(200).Select(b => { if (b.Length > 0) b[0] = (byte)(0x60 | (b[0] & 0xF)); return b; })
            .Sample(b => ParseEverything(b), iter: WireGen.Iterations);

    [Fact]
    public void MutatedGoldens_NoParserThrows() =>
        Gen.Select(Gen.Int[0, s_goldens.Length - 1], WireGen.Mutation).Sample((i, m) =>
            ParseEverything(WireGen.Mutate(Captures.Bytes(s_goldens[i])[14..], m)), iter: WireGen.Iterations);

    [Fact]
    public void IPv6Repr_RoundTrips() =>
        Gen.Select(GenSource, GenAddress, Gen.Byte, Gen.Int[0, 300], Gen.Byte, Gen.Byte, Gen.UInt[0, 0xFFFFF])
            .Sample((src, dst, next, length, hop, tc, flow) =>
            {
                var repr = new IPv6Repr { Source = src, Destination = dst, NextHeader = (IpProtocol)next, PayloadLength = length, HopLimit = hop, TrafficClass = tc, FlowLabel = flow };
                var bytes = new byte[repr.BufferLength];
                repr.Emit(bytes);
                return IPv6Packet.TryParse(bytes, out var ip, out _) && IPv6Repr.TryParse(ip, out var back, out _) && back == repr;
            }, iter: WireGen.Iterations);

    [Fact]
    public void Icmpv6Echo_RoundTrips() =>
        Gen.Select(GenSource, GenAddress, Gen.UShort, Gen.UShort, Gen.Bool, Gen.Byte.Array[0, 64])
            .Sample((src, dst, id, seq, reply, data) =>
            {
                var repr = reply ? Icmpv6Repr.EchoReply(id, seq, data.Length) : Icmpv6Repr.EchoRequest(id, seq, data.Length);
                var bytes = new byte[repr.BufferLength];
                repr.Emit(bytes, data, src, dst);
                return Icmpv6Packet.TryParse(bytes, src, dst, out var packet, out _)
                    && Icmpv6Repr.TryParse(packet, out var back, out _) && back == repr && packet.Data.SequenceEqual(data);
            }, iter: WireGen.Iterations);

    [Fact]
    public void NdpNeighborMessages_RoundTrip() =>
        Gen.Select(GenSource, GenAddress, GenSource, WireGen.Mac.Nullable(), Gen.Int[0, 7], Gen.Bool)
            .Sample((src, dst, target, mac, flags, advert) =>
            {
                var repr = advert
                    ? NdpRepr.NeighborAdvertisement(target, mac, (flags & 2) != 0, (flags & 4) != 0, (flags & 1) != 0)
                    : NdpRepr.NeighborSolicitation(target, mac);
                var bytes = new byte[repr.BufferLength];
                repr.Emit(bytes, src, dst);
                return Icmpv6Packet.TryParse(bytes, src, dst, out var packet, out _) && NdpRepr.TryParse(packet, out var back, out _) && back == repr;
            }, iter: WireGen.Iterations / 4);

    [Fact]
    public void NdpRouterAdvertisement_RoundTrips() =>
        Gen.Select(Gen.Select(Gen.Byte, Gen.Bool, Gen.Bool, Gen.UShort, Gen.UInt, Gen.UInt),
                   Gen.Select(WireGen.Mac.Nullable(), Gen.UInt.Nullable(), GenAddress, Gen.Byte[0, 128], Gen.UInt, Gen.Bool),
                   Gen.Select(GenAddress, GenAddress.Nullable(), Gen.Bool))
            .Sample((a, b, c) =>
            {
                var repr = new NdpRepr
                {
                    Type = Icmpv6Type.RouterAdvertisement,
                    CurrentHopLimit = a.Item1, ManagedAddressConfiguration = a.Item2, OtherConfiguration = a.Item3,
                    RouterLifetime = a.Item4, ReachableTime = a.Item5, RetransTimer = a.Item6,
                    SourceLinkLayerAddress = b.Item1, Mtu = b.Item2,
                    Prefix = b.Item6 ? new NdpPrefixInformation(b.Item4, true, b.Item5 % 2 == 0, b.Item5, b.Item5 / 2, b.Item3) : null,
                    PrefixCount = b.Item6 ? 1 : 0,
                    Rdnss = c.Item3 ? new NdpRdnss(7, c.Item1, c.Item2) : null,
                };
                var bytes = new byte[repr.BufferLength];
                repr.Emit(bytes, IPv6Address.Parse("fe80::1"), IPv6Address.AllNodes);
                return Icmpv6Packet.TryParse(bytes, IPv6Address.Parse("fe80::1"), IPv6Address.AllNodes, out var packet, out _)
                    && NdpRepr.TryParse(packet, out var back, out _) && back == repr;
            }, iter: WireGen.Iterations / 4);

    [Fact]
    public void Udp6_RoundTrips_NeverZeroChecksum() =>
        Gen.Select(GenSource, GenAddress, Gen.UShort, Gen.UShort[1, ushort.MaxValue], Gen.Byte.Array[0, 64])
            .Sample((src, dst, sp, dp, data) =>
            {
                var repr = new UdpRepr(sp, dp, data.Length);
                var bytes = new byte[repr.BufferLength];
                repr.Emit(bytes, data, src, dst);
                return UdpDatagram.TryParse(bytes, out var udp, out _) && udp.Checksum != 0
                    && UdpRepr.TryParse(udp, src, dst, verifyChecksum: true, out var back, out _) && back == repr;
            }, iter: WireGen.Iterations / 4);
}
