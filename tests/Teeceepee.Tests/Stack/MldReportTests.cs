using System.Buffers.Binary;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// The MLDv2 report (RFC 3810 §5.2) a host sends to join its solicited-node groups (RFC 4861 §7.2.1), read octet by
/// octet off the wire on virtual time, independently of the Wire layer's parser (which is checked against it too).
/// </summary>
public class MldReportTests
{
    private static readonly byte[] s_allMldv2Routers = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16];

    /// <summary>What the test reads from one report.</summary>
    private sealed record Report(byte[] Source, byte[] Destination, byte HopLimit, byte[] HopByHop, byte IcmpType, bool ChecksumValid,
        List<(int Type, int AuxLength, int Sources, string Group)> Records);

    /// <summary>The IPv6 packets the stack sent to ff02::16, each read by hand (RFC 8200 §3 and §4.3, RFC 3810 §5.2).</summary>
    private static List<Report> ReportsSent(Ipv6Peer peer)
    {
        var reports = new List<Report>();
        foreach (var frame in peer.Raw.Received())
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) != 0x86DD || !frame.AsSpan(14 + 24, 16).SequenceEqual(s_allMldv2Routers))
                continue;
            // RFC 2464 §7: the group's MAC is 33:33 and the address's last four octets.
            Assert.Equal(new byte[] { 0x33, 0x33, 0, 0, 0, 0x16 }, frame[..6]);
            var ip = frame.AsSpan(14);
            Assert.Equal(6, ip[0] >> 4);
            int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
            Assert.Equal(ip.Length - 40, payloadLength);
            Assert.Equal(0, ip[6]); // next header: hop-by-hop options
            int hopByHopLength = (ip[41] + 1) * 8;
            var icmp = ip[(40 + hopByHopLength)..];
            var records = new List<(int, int, int, string)>();
            int count = BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]);
            int at = 8;
            for (int i = 0; i < count; i++)
            {
                var r = icmp[at..];
                int sources = BinaryPrimitives.ReadUInt16BigEndian(r[2..]);
                records.Add((r[0], r[1], sources, IPv6Address.Read(r[4..]).ToString()));
                at += 20 + 16 * sources + 4 * r[1];
            }
            Assert.Equal(icmp.Length, at); // the records fill the message exactly
            reports.Add(new Report(ip[8..24].ToArray(), ip[24..40].ToArray(), ip[7], ip[40..(40 + hopByHopLength)].ToArray(), icmp[0],
                ChecksumValid(ip[8..24], ip[24..40], icmp), records));
        }
        return reports;
    }

    /// <summary>RFC 4443 §2.3: the one's complement sum over the pseudo-header (RFC 8200 §8.1) and the message is all ones.</summary>
    private static bool ChecksumValid(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> message)
    {
        ulong sum = 58 + (ulong)message.Length;
        for (int i = 0; i < 16; i += 2)
            sum += (ulong)BinaryPrimitives.ReadUInt16BigEndian(source[i..]) + BinaryPrimitives.ReadUInt16BigEndian(destination[i..]);
        for (int i = 0; i + 1 < message.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(message[i..]);
        if ((message.Length & 1) != 0)
            sum += (ulong)message[^1] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return sum == 0xFFFF;
    }

    /// <summary>ff02::1:ffXX:XXXX from the last 24 bits of <paramref name="address"/> (RFC 4291 §2.7.1), built from the text form.</summary>
    private static string SolicitedNode(IPv6Address address)
    {
        var bytes = new byte[16];
        address.WriteTo(bytes);
        return $"ff02::1:ff{bytes[13]:x2}:{bytes[14] << 8 | bytes[15]:x}";
    }

    // RFC 2711 Router Alert (type 5, length 2, value 0 = MLD), then PadN of two octets to fill the 8-octet header.
    private static readonly byte[] s_hopByHopWithRouterAlert = [58, 0, 5, 2, 0, 0, 1, 0];

    [Fact]
    public async Task Start_JoiningSolicitedNodeGroups_SendsOneMldv2Report_ToFf02_16_HopLimit1_RouterAlert_ChangeToExclude()
    {
        await using var peer = new Ipv6Peer(dad: true);
        peer.Raw.Advance(TimeSpan.Zero);

        var report = Assert.Single(ReportsSent(peer));
        var linkLocal = peer.Stack.IPv6Addresses[0].Address.Address;
        Assert.True(linkLocal.IsLinkLocal);
        // RFC 3810 §5.2.13 and RFC 3590 §4: while the link-local address is tentative the report comes from ::.
        Assert.Equal(new byte[16], report.Source);
        Assert.Equal(s_allMldv2Routers, report.Destination);
        Assert.Equal(1, report.HopLimit); // §5
        Assert.Equal(s_hopByHopWithRouterAlert, report.HopByHop);
        Assert.Equal(143, report.IcmpType);
        Assert.True(report.ChecksumValid);
        // §6.1: a join of any source is CHANGE_TO_EXCLUDE_MODE (4) with no sources; one record per group.
        Assert.Equal(new[] { (4, 0, 0, SolicitedNode(linkLocal)), (4, 0, 0, SolicitedNode(Ipv6Peer.StackAddress)) }, report.Records);
        Assert.Equal("ff02::1:ff00:2", SolicitedNode(Ipv6Peer.StackAddress));
        Assert.Equal(1, peer.Stack.Stats.MldReportsOut);
        Assert.Equal(1, peer.Stack.Stats.Icmpv6Out[(byte)Icmpv6Type.Mldv2Report]);
    }

    [Fact]
    public async Task Start_ReportParsedByTheWireLayer_GivesTheSameRecords()
    {
        await using var peer = new Ipv6Peer(dad: true);
        peer.Raw.Advance(TimeSpan.Zero);
        var packet = peer.ReceivedPackets().Single(p => p.AsSpan(24, 16).SequenceEqual(s_allMldv2Routers));

        Assert.True(IPv6Packet.TryParse(packet, out var ip, out var error), error.ToString());
        Assert.True(IPv6HeaderChain.TryParse(ip, out var chain, out error), error.ToString());
        Assert.Equal(IPv6HopByHopRepr.RouterAlertMld, chain.RouterAlert);
        Assert.True(Icmpv6Packet.TryParse(packet.AsSpan(chain.UpperLayerOffset), ip.Source, ip.Destination, out var icmp, out error), error.ToString());
        Assert.True(MldReport.TryParse(icmp, out var report, out error), error.ToString());
        Assert.Equal(
            new[] { MldAddressRecord.Join(peer.Stack.IPv6Addresses[0].Address.Address.SolicitedNode), MldAddressRecord.Join(Ipv6Peer.StackAddress.SolicitedNode) },
            report.ReadRecords());
    }

    [Fact]
    public async Task Query_AfterDad_ReportsAgain_FromTheLinkLocalAddress()
    {
        await using var peer = new Ipv6Peer(dad: true);
        peer.Raw.Advance(TimeSpan.Zero);
        peer.Raw.Advance(TimeSpan.FromSeconds(2)); // DAD passes
        peer.Raw.Discard();
        var linkLocal = peer.Stack.IPv6Addresses[0].Address.Address;
        Assert.Equal(IPv6AddressState.Preferred, peer.Stack.IPv6Addresses[0].State);

        // RFC 3810 §5.1: a general query (multicast address ::, no sources) from a router, to all nodes.
        var query = new byte[28];
        query[0] = (byte)Icmpv6Type.MulticastListenerQuery;
        BinaryPrimitives.WriteUInt16BigEndian(query.AsSpan(4), 1000); // maximum response code: 1 s
        Icmpv6Repr.WriteChecksum(query, Ipv6Peer.PeerLinkLocal, IPv6Address.AllNodes);
        peer.Send(Ipv6Peer.Packet(Ipv6Peer.PeerLinkLocal, IPv6Address.AllNodes, IpProtocol.HopByHop, [.. s_hopByHopWithRouterAlert, .. query], hopLimit: 1));
        peer.Raw.Advance(TimeSpan.FromSeconds(1));

        var report = Assert.Single(ReportsSent(peer));
        var source = new byte[16];
        linkLocal.WriteTo(source);
        Assert.Equal(source, report.Source);
        Assert.Equal(1, report.HopLimit);
        Assert.Equal(s_hopByHopWithRouterAlert, report.HopByHop);
        Assert.True(report.ChecksumValid); // over a pseudo-header whose source is no longer ::
        Assert.Equal(new[] { (4, 0, 0, SolicitedNode(linkLocal)), (4, 0, 0, SolicitedNode(Ipv6Peer.StackAddress)) }, report.Records);
        Assert.Equal(2, peer.Stack.Stats.MldReportsOut);
    }
}
