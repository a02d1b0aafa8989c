using System.Net;
using CsCheck;
using PacketDotNet;
using Teeceepee.Wire;
using IPv6Packet = Teeceepee.Wire.IPv6Packet;

namespace Teeceepee.Tests.Wire;

/// <summary>
/// Differential tests against PacketDotNet for IPv6 and ICMPv6. PacketDotNet decodes the IPv6 header,
/// extension headers by type and ICMPv6's type, code and checksum; it does not check NDP option lengths,
/// so option validity is only tested against our own rules and the scapy goldens.
/// </summary>
public class IPv6PacketDotNetTests
{
    private static byte[] Frame(IPv6Repr ip, ReadOnlySpan<byte> upper)
    {
        var frame = new byte[EthernetRepr.HeaderLength + ip.BufferLength];
        new EthernetRepr(MacAddress.Parse("02:00:00:00:00:0a"), MacAddress.Parse("02:00:00:00:00:1a"), EtherType.IPv6).Emit(frame);
        ip.Emit(frame.AsSpan(EthernetRepr.HeaderLength));
        upper.CopyTo(frame.AsSpan(EthernetRepr.HeaderLength + IPv6Repr.HeaderLength));
        return frame;
    }

    [Fact]
    public void OurEcho_ReadByPacketDotNet_SameFieldsAndValidChecksum() =>
        Gen.Select(IPv6PropertyTests.GenSource, IPv6PropertyTests.GenAddress, Gen.UShort, Gen.UShort, Gen.Byte.Array[0, 64], Gen.Byte, Gen.UInt[0, 0xFFFFF])
            .Sample((src, dst, id, seq, data, hop, flow) =>
            {
                var icmp = Icmpv6Repr.EchoRequest(id, seq, data.Length);
                var message = new byte[icmp.BufferLength];
                icmp.Emit(message, data, src, dst);
                var ip = new IPv6Repr { Source = src, Destination = dst, NextHeader = IpProtocol.Icmpv6, PayloadLength = message.Length, HopLimit = hop, FlowLabel = flow };
                var parsed = Packet.ParsePacket(LinkLayers.Ethernet, Frame(ip, message));
                var theirIp = parsed.Extract<PacketDotNet.IPv6Packet>();
                Assert.NotNull(theirIp);
                Assert.Equal(src.ToIPAddress(), theirIp.SourceAddress);
                Assert.Equal(dst.ToIPAddress(), theirIp.DestinationAddress);
                Assert.Equal(hop, theirIp.HopLimit);
                Assert.Equal((int)flow, theirIp.FlowLabel);
                Assert.Equal(message.Length, theirIp.PayloadLength);
                var theirIcmp = parsed.Extract<IcmpV6Packet>();
                Assert.NotNull(theirIcmp);
                Assert.Equal(IcmpV6Type.EchoRequest, theirIcmp.Type);
                Assert.Equal(BitConverter.ToUInt16([message[3], message[2]]), theirIcmp.Checksum);
                Assert.True(theirIcmp.ValidIcmpChecksum);
            }, iter: WireGen.OracleIterations / 4);

    [Fact]
    public void Goldens_PacketDotNetAgreesOnHeaderAndIcmpv6()
    {
        foreach (var hex in new[] { IPv6Captures.EchoRequest, IPv6Captures.NeighborSolicitation, IPv6Captures.NeighborAdvertisement,
                     IPv6Captures.RouterAdvertisement, IPv6Captures.PacketTooBig, IPv6Captures.ParameterProblem })
        {
            var frame = Captures.Bytes(hex);
            var parsed = Packet.ParsePacket(LinkLayers.Ethernet, frame);
            var theirIp = parsed.Extract<PacketDotNet.IPv6Packet>();
            Assert.True(IPv6Packet.TryParse(frame.AsSpan(14), out var ip, out _));
            Assert.Equal(ip.Source.ToIPAddress(), theirIp.SourceAddress);
            Assert.Equal(ip.Destination.ToIPAddress(), theirIp.DestinationAddress);
            Assert.Equal(ip.TrafficClass, theirIp.TrafficClass);
            Assert.Equal((int)ip.FlowLabel, theirIp.FlowLabel);
            Assert.Equal(ip.HopLimit, theirIp.HopLimit);
            Assert.Equal((int)ip.NextHeader, (int)theirIp.NextHeader);
            var theirIcmp = parsed.Extract<IcmpV6Packet>();
            Assert.True(Icmpv6Packet.TryParse(ip.Payload, ip.Source, ip.Destination, out var icmp, out _));
            Assert.Equal((int)icmp.Type, (int)theirIcmp.Type);
            Assert.Equal(icmp.Code, theirIcmp.Code);
            Assert.True(theirIcmp.ValidIcmpChecksum);
        }
    }

    [Fact]
    public void TheirRandomIPv6Header_OurParserAgrees() =>
        Gen.Select(IPv6PropertyTests.GenSource, IPv6PropertyTests.GenAddress, Gen.Byte, Gen.Byte, Gen.Int[0, 0xFFFFF], Gen.Byte.Array[0, 40])
            .Sample((src, dst, hop, tc, flow, payload) =>
            {
                var theirs = new PacketDotNet.IPv6Packet(src.ToIPAddress(), dst.ToIPAddress())
                {
                    HopLimit = hop,
                    TrafficClass = tc,
                    FlowLabel = flow,
                    PayloadData = payload,
                };
                theirs.NextHeader = ProtocolType.Udp;
                theirs.PayloadLength = (ushort)payload.Length;
                var bytes = theirs.Bytes;
                Assert.True(IPv6Packet.TryParse(bytes, out var ip, out var reason), reason.ToString());
                Assert.Equal(src, ip.Source);
                Assert.Equal(dst, ip.Destination);
                Assert.Equal(hop, ip.HopLimit);
                Assert.Equal(tc, ip.TrafficClass);
                Assert.Equal((uint)flow, ip.FlowLabel);
                Assert.Equal(IpProtocol.Udp, ip.NextHeader);
                Assert.Equal(payload.Length, ip.Payload.Length);
            }, iter: WireGen.OracleIterations / 4);
}
