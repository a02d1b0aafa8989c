using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class MldTests
{
    private static readonly IPv6Address s_linkLocal = IPv6Address.Parse("fe80::ff:fe00:a");

    private static byte[] Message() => Captures.Bytes(IPv6Captures.Mldv2Report)[62..];   // after Ethernet, IPv6, hop-by-hop

    private static readonly MldReportRepr s_report = new([
        MldAddressRecord.Join(IPv6Address.Parse("ff02::1:ff00:2")),
        MldAddressRecord.Join(IPv6Address.Parse("ff02::1:ff00:a")),
    ]);

    [Fact]
    public void Deconstruct_Report()
    {
        Assert.True(Icmpv6Packet.TryParse(Message(), s_linkLocal, IPv6Address.AllMldv2Routers, out var packet, out _));
        Assert.True(MldReport.TryParse(packet, out var report, out _));
        Assert.Equal(2, report.RecordCount);
        Assert.True(MldReportRepr.TryParse(report, out var repr, out _));
        Assert.Equal(s_report, repr);
        Assert.Equal(MldRecordType.ChangeToExclude, repr.Records[0].Type);
    }

    [Fact]
    public void Construct_Report_MatchesGolden()
    {
        var bytes = new byte[s_report.BufferLength];
        s_report.Emit(bytes, s_linkLocal, IPv6Address.AllMldv2Routers);
        Assert.Equal(Message(), bytes);
    }

    [Fact]
    public void RoundTrips_WithSources()
    {
        var repr = new MldReportRepr([new MldAddressRecord(MldRecordType.AllowNewSources, IPv6Address.Parse("ff15::9"),
            [IPv6Address.Parse("fd00::1"), IPv6Address.Parse("fd00::2")]), MldAddressRecord.Leave(IPv6Address.Parse("ff02::fb"))]);
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, s_linkLocal, IPv6Address.AllMldv2Routers);
        Assert.True(Icmpv6Packet.TryParse(bytes, s_linkLocal, IPv6Address.AllMldv2Routers, out var packet, out _));
        Assert.True(MldReport.TryParse(packet, out var report, out _));
        Assert.True(MldReportRepr.TryParse(report, out var back, out _));
        Assert.Equal(repr, back);
    }

    [Fact]
    public void Truncated_RecordPastEnd_ReturnsBadMldRecord()
    {
        var bytes = Message()[..^1];
        Assert.True(Icmpv6Packet.TryParse(bytes, s_linkLocal, IPv6Address.AllMldv2Routers, verifyChecksum: false, out var packet, out _));
        Assert.False(MldReport.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.BadMldRecord, reason);
    }

    [Fact]
    public void SourceCountPastEnd_ReturnsBadMldRecord()
    {
        var bytes = Message();
        bytes[8 + 3] = 1;   // the first record claims one source
        Assert.True(Icmpv6Packet.TryParse(bytes, s_linkLocal, IPv6Address.AllMldv2Routers, verifyChecksum: false, out var packet, out _));
        Assert.False(MldReport.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.BadMldRecord, reason);
    }
}
