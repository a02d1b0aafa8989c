using Teeceepee.Wire;
using IPv4Packet = Teeceepee.Wire.IPv4Packet;

namespace Teeceepee.Tests.Wire;

/// <summary>The per-packet path does not allocate (DESIGN §3.14): parse and emit every format in a loop.</summary>
public class AllocationTests
{
    [Fact]
    public void ParseAndEmit_AllocateNothing()
    {
        var udpFrame = Captures.Bytes(Captures.UdpHello);
        var arpFrame = Captures.Bytes(Captures.ArpRequest);
        var icmpFrame = Captures.Bytes(Captures.PortUnreachable);
        var output = new byte[1514];
        RoundOfEveryFormat(udpFrame, arpFrame, icmpFrame, output); // JIT and static initialisation first

        long before = GC.GetAllocatedBytesForCurrentThread();
        int ok = 0;
        for (int i = 0; i < 1000; i++)
            ok += RoundOfEveryFormat(udpFrame, arpFrame, icmpFrame, output);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(3000, ok);
        Assert.Equal(0, allocated);
    }

    private static int RoundOfEveryFormat(byte[] udpFrame, byte[] arpFrame, byte[] icmpFrame, byte[] output)
    {
        int ok = 0;
        if (EthernetFrame.TryParse(udpFrame, out var eth, out _) && EthernetRepr.TryParse(eth, out var ethRepr, out _)
            && IPv4Packet.TryParse(eth.Payload, out var ip, out _) && IPv4Repr.TryParse(ip, out var ipRepr, out _)
            && UdpDatagram.TryParse(ip.Payload, out var udp, out _)
            && UdpRepr.TryParse(udp, ip.Source, ip.Destination, verifyChecksum: true, out var udpRepr, out _))
        {
            udp.Payload.CopyTo(output.AsSpan(42));
            udpRepr.Emit(output.AsSpan(34, udpRepr.BufferLength), ipRepr.Source, ipRepr.Destination);
            ipRepr.Emit(output.AsSpan(14, ipRepr.BufferLength));
            ethRepr.Emit(output);
            ok++;
        }
        if (EthernetFrame.TryParse(arpFrame, out eth, out _) && ArpPacket.TryParse(eth.Payload, out var arp, out _)
            && ArpRepr.TryParse(arp, out var arpRepr, out _))
        {
            arpRepr.Emit(output.AsSpan(14, arpRepr.BufferLength));
            ok++;
        }
        if (EthernetFrame.TryParse(icmpFrame, out eth, out _) && IPv4Packet.TryParse(eth.Payload, out ip, out _)
            && IcmpPacket.TryParse(ip.Payload, out var icmp, out _) && IcmpRepr.TryParse(icmp, out var icmpRepr, out _)
            && IPv4Packet.TryParseQuoted(icmp.QuotedDatagram, out _, out _))
        {
            icmpRepr.Emit(output.AsSpan(34, icmpRepr.BufferLength));
            ok++;
        }
        return ok;
    }
}
