using CsCheck;
using Teeceepee.Wire;
using ArpPacket = Teeceepee.Wire.ArpPacket;
using IPv4Packet = Teeceepee.Wire.IPv4Packet;

namespace Teeceepee.Tests.Wire;

/// <summary>Whole frames through every parser the stack chains, the way ingress does.</summary>
public class FrameChainTests
{
    private static readonly string[] s_captures =
    [
        Captures.ArpRequest, Captures.ArpReply, Captures.EchoRequest, Captures.EchoReply,
        Captures.FragmentedEchoFirst, Captures.FragmentedEchoLast, Captures.UdpHello, Captures.UdpToClosedPort,
        Captures.PortUnreachable, Captures.EchoTtl1, Captures.TimeExceeded, Captures.FragmentationNeeded,
        Captures.EchoRecordRoute, Captures.UdpNoChecksum,
    ];

    [Fact]
    public void EveryCapture_ParsesThroughEveryLayer()
    {
        foreach (var hex in s_captures)
            Assert.Equal(WireError.None, Chain(Captures.Bytes(hex)));
    }

    [Fact]
    public void Property_MutatedCaptures_NeverThrowAndReportAReason()
    {
        var frames = Array.ConvertAll(s_captures, Captures.Bytes);
        Gen.Select(Gen.Int[0, frames.Length - 1], WireGen.Mutation).Sample((index, m) =>
        {
            var bytes = WireGen.Mutate(frames[index], m);
            var reason = Chain(bytes);
            // Either every layer accepted the frame or one of them named a reason.
            Assert.True(Enum.IsDefined(reason));
        }, iter: WireGen.Iterations);
    }

    /// <summary>Ethernet, then ARP or IPv4, then ICMP or UDP; re-emits every repr into a scratch buffer.</summary>
    private static WireError Chain(byte[] frame)
    {
        var scratch = new byte[frame.Length + 64];
        if (!EthernetFrame.TryParse(frame, out var eth, out var reason) || !EthernetRepr.TryParse(eth, out var ethRepr, out reason))
            return reason;
        ethRepr.Emit(scratch.AsSpan(0, ethRepr.BufferLength));
        if (ethRepr.EtherType == EtherType.Arp)
        {
            if (!ArpPacket.TryParse(eth.Payload, out var arp, out reason) || !ArpRepr.TryParse(arp, out var arpRepr, out reason))
                return reason;
            arpRepr.Emit(scratch.AsSpan(0, arpRepr.BufferLength));
            return WireError.None;
        }
        if (!IPv4Packet.TryParse(eth.Payload, out var ip, out reason) || !IPv4Repr.TryParse(ip, out var ipRepr, out reason))
            return reason;
        ipRepr.Emit(scratch.AsSpan(0, ipRepr.BufferLength));
        if (ip.FragmentOffset != 0)
            return WireError.None; // a later fragment: no transport header here
        switch (ip.Protocol)
        {
            case IpProtocol.Icmp:
                if (ip.MoreFragments) // first fragment: the checksum covers octets not here yet
                    return IcmpPacket.TryParse(ip.Payload, verifyChecksum: false, out _, out reason) ? WireError.None : reason;
                if (!IcmpPacket.TryParse(ip.Payload, out var icmp, out reason) || !IcmpRepr.TryParse(icmp, out var icmpRepr, out reason))
                    return reason;
                icmpRepr.Emit(scratch.AsSpan(0, icmpRepr.BufferLength));
                if (icmpRepr.IsError && !IPv4Packet.TryParseQuoted(icmp.QuotedDatagram, out _, out reason))
                    return reason;
                return WireError.None;
            case IpProtocol.Udp:
                if (!UdpDatagram.TryParse(ip.Payload, out var udp, out reason)
                    || !UdpRepr.TryParse(udp, ip.Source, ip.Destination, verifyChecksum: true, out var udpRepr, out reason))
                    return reason;
                udpRepr.Emit(scratch.AsSpan(0, udpRepr.BufferLength), ip.Source, ip.Destination);
                return WireError.None;
            default:
                return WireError.None;
        }
    }
}
