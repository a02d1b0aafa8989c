using System.Buffers.Binary;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Links;

public class PartialChecksumTests
{
    [Fact]
    public void TcpPseudoHeaderOnly_CompletedToTheRealChecksum()
    {
        var good = TestFrames.TcpSynAck();
        var partial = good.ToArray();
        uint pseudo = Checksum.PseudoHeader(new IPv4Address(0xC6120002), new IPv4Address(0xC6120001), 6, 20);
        BinaryPrimitives.WriteUInt16BigEndian(partial.AsSpan(14 + 20 + 16), (ushort)~Checksum.Fold(pseudo));
        Assert.NotEqual(good, partial);
        Assert.True(RawSocketLink.CompletePartialChecksum(partial));
        Assert.Equal(good, partial);
    }

    [Fact]
    public void NonIpv4OrTruncated_LeftAlone()
    {
        var arp = TestFrames.ArpRequest([2, 0, 0, 0, 0, 1], [198, 18, 0, 1], [198, 18, 0, 2]);
        var copy = arp.ToArray();
        Assert.False(RawSocketLink.CompletePartialChecksum(arp));
        Assert.Equal(copy, arp);
        var tcp = TestFrames.TcpSynAck();
        Assert.False(RawSocketLink.CompletePartialChecksum(tcp.AsSpan(0, 40)));
    }
}
