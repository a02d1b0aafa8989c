using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

/// <summary>The IPv6 per-packet path does not allocate (DESIGN §3.14): parse, walk and emit in a loop.</summary>
public class IPv6AllocationTests
{
    [Fact]
    public void ParseAndEmit_AllocateNothing()
    {
        var udp = Captures.Bytes(IPv6Captures.UdpHello6);
        var tcp = Captures.Bytes(IPv6Captures.TcpSyn6);
        var ns = Captures.Bytes(IPv6Captures.NeighborSolicitation);
        var ra = Captures.Bytes(IPv6Captures.RouterAdvertisement);
        var mld = Captures.Bytes(IPv6Captures.Mldv2Report);
        var output = new byte[1514];
        Round(udp, tcp, ns, ra, mld, output);   // JIT and static initialisation first

        long before = GC.GetAllocatedBytesForCurrentThread();
        int ok = 0;
        for (int i = 0; i < 1000; i++)
            ok += Round(udp, tcp, ns, ra, mld, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(5000, ok);
        Assert.Equal(0, allocated);
    }

    private static bool Upper(byte[] frame, out IPv6Packet ip, out IPv6HeaderChain chain) =>
        IPv6Packet.TryParse(frame.AsSpan(14), out ip, out _) & IPv6HeaderChain.TryParse(ip, out chain, out _);

    private static int Round(byte[] udpFrame, byte[] tcpFrame, byte[] nsFrame, byte[] raFrame, byte[] mldFrame, byte[] output)
    {
        int ok = 0;
        if (Upper(udpFrame, out var ip, out var chain) && IPv6Repr.TryParse(ip, out var ipRepr, out _)
            && UdpDatagram.TryParse(ip.Buffer[chain.UpperLayerOffset..], out var udp, out _)
            && UdpRepr.TryParse(udp, ip.Source, ip.Destination, verifyChecksum: true, out var udpRepr, out _))
        {
            udp.Payload.CopyTo(output.AsSpan(62));
            udpRepr.Emit(output.AsSpan(54, udpRepr.BufferLength), ipRepr.Source, ipRepr.Destination);
            ipRepr.Emit(output.AsSpan(14));
            ok++;
        }
        if (Upper(tcpFrame, out ip, out chain) && TcpSegment.TryParse(ip.Buffer[chain.UpperLayerOffset..], out var segment, out _)
            && TcpRepr.TryParse(segment, ip.Source, ip.Destination, verifyChecksum: true, out var tcpRepr, out _))
        {
            tcpRepr.Emit(output.AsSpan(54), ip.Destination, ip.Source);
            ok++;
        }
        if (Upper(nsFrame, out ip, out chain) && Icmpv6Packet.TryParse(ip.Buffer[chain.UpperLayerOffset..], ip.Source, ip.Destination, out var icmp, out _)
            && NdpRepr.TryParse(icmp, out var ns, out _))
        {
            var na = NdpRepr.NeighborAdvertisement(ns.TargetAddress, MacAddress.Parse("02:00:00:00:00:0a"), solicited: true, @override: true);
            na.Emit(output.AsSpan(54), ns.TargetAddress, ip.Source);
            ok++;
        }
        if (Upper(raFrame, out ip, out chain) && Icmpv6Packet.TryParse(ip.Buffer[chain.UpperLayerOffset..], ip.Source, ip.Destination, out icmp, out _)
            && NdpRepr.TryParse(icmp, out var ra, out _) && NdpRepr.TryGetOptions(icmp, out var options, out _))
        {
            uint lifetimes = 0;
            foreach (var option in options)
                if (option.Type == NdpOptionType.PrefixInformation)
                    lifetimes += option.PrefixInformation.ValidLifetime;
            if (lifetimes == ra.Prefix!.Value.ValidLifetime)
                ok++;
        }
        if (Upper(mldFrame, out ip, out chain) && chain.RouterAlert == IPv6HopByHopRepr.RouterAlertMld
            && Icmpv6Packet.TryParse(ip.Buffer[chain.UpperLayerOffset..], ip.Source, ip.Destination, out icmp, out _)
            && MldReport.TryParse(icmp, out var report, out _) && report.RecordCount == 2)
        {
            new IPv6HopByHopRepr(IpProtocol.Icmpv6).Emit(output.AsSpan(54));
            ok++;
        }
        return ok;
    }
}
