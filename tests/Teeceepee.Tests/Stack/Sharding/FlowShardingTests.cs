using System.Buffers.Binary;
using Teeceepee.Links;
using Teeceepee.Stack.Sharding;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack.Sharding;

/// <summary>Which loop owns what (Stack/Sharding/FlowSharding.cs): port slices, listener flows, steering of every frame kind.</summary>
public sealed class FlowShardingTests
{
    [Theory]
    [InlineData(1, 49152, 65535)]
    [InlineData(2, 49152, 65535)]
    [InlineData(3, 49152, 65535)]
    [InlineData(7, 32768, 60999)]
    [InlineData(64, 49152, 65535)]
    public void PortRanges_AnyLoopCount_AreDisjointContiguousCoverTheRangeAndOwnTheirPorts(int loops, int first, int last)
    {
        var sharding = new FlowSharding(loops, (ushort)first, (ushort)last);
        int expected = first;
        for (int k = 0; k < loops; k++)
        {
            var (lo, hi) = sharding.PortRange(k);
            Assert.Equal(expected, lo);
            Assert.True(hi >= lo, $"loop {k} has an empty slice {lo}..{hi}");
            // Every port of a slice is owned by that slice's loop, so a connect's flow stays where it was made.
            for (int p = lo; p <= hi; p++)
                Assert.Equal(loops == 1 ? 0 : k, sharding.OwnerOf((ushort)p));
            expected = hi + 1;
        }
        Assert.Equal(last + 1, expected);
    }

    [Fact]
    public void OwnerOf_ListenerPort_IsTheReceivingLoop()
    {
        var sharding = new FlowSharding(2);
        Assert.Equal(FlowSharding.Receiver, sharding.OwnerOf(80));
        Assert.Equal(FlowSharding.Receiver, sharding.OwnerOf(5001));
        Assert.Equal(FlowSharding.Receiver, sharding.OwnerOf(49151));
        Assert.Equal(0, new FlowSharding(1).OwnerOf(80));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Steer_TcpToListener_StaysOnTheLoopThatReadIt(int self)
    {
        var sharding = new FlowSharding(2);
        Assert.Equal(self, sharding.Steer(IPv4Tcp(localPort: 5001), LinkMedium.Ethernet, self));
        Assert.Equal(self, sharding.Steer(IPv6Tcp(localPort: 5001), LinkMedium.Ethernet, self));
        Assert.Equal(self, sharding.Steer(IPv4Tcp(localPort: 5001).AsSpan(EthernetRepr.HeaderLength), LinkMedium.IP, self));
    }

    [Fact]
    public void Steer_TcpToOurEphemeralPort_GoesToTheSliceOwner()
    {
        var sharding = new FlowSharding(2);
        ushort ofLoop1 = sharding.PortRange(1).First;
        ushort ofLoop0 = sharding.PortRange(0).Last;
        Assert.Equal(1, sharding.Steer(IPv4Tcp(ofLoop1), LinkMedium.Ethernet, 0));
        Assert.Equal(0, sharding.Steer(IPv4Tcp(ofLoop0), LinkMedium.Ethernet, 1));
        Assert.Equal(1, sharding.Steer(IPv6Tcp(ofLoop1), LinkMedium.Ethernet, 0));
    }

    [Fact]
    public void Steer_NeighbourAnswers_GoToEveryLoop_TheRestToLoopZero()
    {
        var sharding = new FlowSharding(3);
        Assert.Equal(FlowSharding.Everyone, sharding.Steer(Arp(ArpOperation.Reply), LinkMedium.Ethernet, 2));
        Assert.Equal(0, sharding.Steer(Arp(ArpOperation.Request), LinkMedium.Ethernet, 2));
        Assert.Equal(FlowSharding.Everyone, sharding.Steer(IPv6(IpProtocol.Icmpv6, 136), LinkMedium.Ethernet, 1)); // NA
        Assert.Equal(FlowSharding.Everyone, sharding.Steer(IPv6(IpProtocol.Icmpv6, 134), LinkMedium.Ethernet, 1)); // RA
        Assert.Equal(0, sharding.Steer(IPv6(IpProtocol.Icmpv6, 135), LinkMedium.Ethernet, 1)); // NS: answered once
        Assert.Equal(0, sharding.Steer(IPv6(IpProtocol.Icmpv6, 128), LinkMedium.Ethernet, 1)); // echo
        Assert.Equal(0, sharding.Steer(IPv4(IpProtocol.Udp), LinkMedium.Ethernet, 2));
        Assert.Equal(0, sharding.Steer(IPv4(IpProtocol.Icmp), LinkMedium.Ethernet, 2));
        Assert.Equal(0, sharding.Steer(IPv6(IpProtocol.Udp, 0), LinkMedium.Ethernet, 2));
    }

    [Fact]
    public void Steer_TcpFragment_GoesToLoopZeroWhichReassembles()
    {
        var sharding = new FlowSharding(2);
        var frame = IPv4Tcp(localPort: 5001);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(EthernetRepr.HeaderLength + 6), 0x2000); // MF
        Assert.Equal(0, sharding.Steer(frame, LinkMedium.Ethernet, 1));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(EthernetRepr.HeaderLength + 6), 0x0010); // offset 128
        Assert.Equal(0, sharding.Steer(frame, LinkMedium.Ethernet, 1));
    }

    [Fact]
    public void Steer_TruncatedFrames_StayOnTheReadingLoop()
    {
        var sharding = new FlowSharding(2);
        Assert.Equal(1, sharding.Steer(new byte[10], LinkMedium.Ethernet, 1));
        Assert.Equal(1, sharding.Steer(IPv4Tcp(5001).AsSpan(0, EthernetRepr.HeaderLength + 12), LinkMedium.Ethernet, 1));
        var badLength = IPv4Tcp(60000);
        badLength[EthernetRepr.HeaderLength] = 0x4F; // IHL 60 octets, past the frame
        Assert.Equal(1, sharding.Steer(badLength, LinkMedium.Ethernet, 1));
        Assert.Equal(1, sharding.Steer([], LinkMedium.IP, 1));
    }

    // Frames from the peer to us: only the fields steering reads are filled in.
    internal static byte[] IPv4Tcp(ushort localPort) => IPv4(IpProtocol.Tcp, remotePort: 40000, localPort);

    private static byte[] IPv4(IpProtocol protocol, ushort remotePort = 40000, ushort localPort = 5001)
    {
        var frame = new byte[EthernetRepr.HeaderLength + 20 + 20];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), (ushort)EtherType.IPv4);
        var ip = frame.AsSpan(EthernetRepr.HeaderLength);
        ip[0] = 0x45;
        ip[9] = (byte)protocol;
        IPv4Address.Parse("198.18.0.1").WriteTo(ip[12..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[20..], remotePort);
        BinaryPrimitives.WriteUInt16BigEndian(ip[22..], localPort);
        return frame;
    }

    private static byte[] IPv6Tcp(ushort localPort)
    {
        var frame = IPv6(IpProtocol.Tcp, 0);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(EthernetRepr.HeaderLength + 40), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(EthernetRepr.HeaderLength + 42), localPort);
        return frame;
    }

    private static byte[] IPv6(IpProtocol next, byte firstPayloadOctet)
    {
        var frame = new byte[EthernetRepr.HeaderLength + 40 + 24];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), (ushort)EtherType.IPv6);
        var ip = frame.AsSpan(EthernetRepr.HeaderLength);
        ip[0] = 0x60;
        ip[6] = (byte)next;
        ip[8] = 0xFD;
        ip[40] = firstPayloadOctet;
        return frame;
    }

    private static byte[] Arp(ArpOperation operation)
    {
        var frame = new byte[EthernetRepr.HeaderLength + ArpRepr.HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), (ushort)EtherType.Arp);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(EthernetRepr.HeaderLength + 6), (ushort)operation);
        return frame;
    }
}
