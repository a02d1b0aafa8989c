using System.Reflection;
using Teeceepee.Tests.Wire;
using Teeceepee.Wire;

namespace Teeceepee.Fuzz;

/// <summary>
/// The seed inputs: frames of every protocol the stack speaks, aimed at the harness's starting
/// state (its connections' ports and sequence numbers), plus the tests' real kernel captures
/// readdressed to the harness's peer and stack. Regenerate with <c>Teeceepee.Fuzz seeds DIR</c>.
/// </summary>
public static class SeedCorpus
{
    /// <summary>Writes one file per seed into <paramref name="directory"/>; returns how many.</summary>
    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        int n = 0;
        foreach (var (name, input) in Build())
        {
            File.WriteAllBytes(Path.Combine(directory, name + ".bin"), input);
            n++;
        }
        return n;
    }

    /// <summary>Every seed, by name.</summary>
    public static IEnumerable<(string Name, byte[] Input)> Build()
    {
        uint stackIsn, clientIsn, stackIsn6;
        ushort clientPort;
        using (var harness = new FrameInputHarness())
            (stackIsn, clientIsn, clientPort, stackIsn6) = (harness.StackIsn, harness.ClientIsn, harness.ClientPort, harness.StackIsn6);
        var peerNext = new SeqNumber(FrameInputHarness.PeerIsn + 1);
        var stackNext = new SeqNumber(stackIsn + 1);
        var allAcked = stackNext + FrameInputHarness.DataInFlight;
        var est = new TcpRepr
        {
            SourcePort = FrameInputHarness.PeerPort, DestinationPort = FrameInputHarness.ListenPort,
            SeqNumber = peerNext, AckNumber = stackNext, WindowLength = 512, Timestamp = new TcpTimestamp(200, 1),
        };
        var data = new byte[100];
        for (int i = 0; i < data.Length; i++)
            data[i] = (byte)('a' + i % 26);

        // TCP on the established connection.
        yield return ("tcp-data", Input(PeerFrames.Tcp(est with { Push = true }, data), PeerFrames.Tcp(est with { SeqNumber = peerNext + 100, AckNumber = allAcked })));
        yield return ("tcp-ack-partial-sack", Input(
            PeerFrames.Tcp(est with { AckNumber = stackNext + 1000, SackBlocks = TcpSackBlocks.Of(new TcpSackBlock(stackNext + 2000, stackNext + 3000)) }),
            PeerFrames.Tcp(est with { AckNumber = stackNext + 1000, SackBlocks = TcpSackBlocks.Of(new TcpSackBlock(stackNext + 1500, stackNext + 3000)) }),
            PeerFrames.Tcp(est with { AckNumber = stackNext + 1000, SackBlocks = TcpSackBlocks.Of(new TcpSackBlock(stackNext + 1200, stackNext + 3000)) }),
            PeerFrames.Tcp(est with { AckNumber = allAcked })));
        yield return ("tcp-dupacks", Input(
            PeerFrames.Tcp(est with { AckNumber = stackNext + 500 }), PeerFrames.Tcp(est with { AckNumber = stackNext + 500 }),
            PeerFrames.Tcp(est with { AckNumber = stackNext + 500 }), PeerFrames.Tcp(est with { AckNumber = stackNext + 500 })));
        yield return ("tcp-fin", Input(PeerFrames.Tcp(est with { Control = TcpControl.Fin, AckNumber = allAcked }), PeerFrames.Tcp(est with { SeqNumber = peerNext + 1, AckNumber = allAcked + 1 })));
        yield return ("tcp-fin-with-data", Input(PeerFrames.Tcp(est with { Control = TcpControl.Fin, Push = true }, data)));
        yield return ("tcp-rst", Input(PeerFrames.Tcp(est with { Control = TcpControl.Rst, AckNumber = null, Timestamp = null })));
        yield return ("tcp-rst-in-window", Input(PeerFrames.Tcp(est with { Control = TcpControl.Rst, SeqNumber = peerNext + 10, AckNumber = null, Timestamp = null })));
        yield return ("tcp-syn-on-established", Input(PeerFrames.Tcp(est with { Control = TcpControl.Syn, AckNumber = null, SeqNumber = peerNext + 5000 })));
        yield return ("tcp-window-zero", Input(
            PeerFrames.Tcp(est with { AckNumber = stackNext + 1000, WindowLength = 0 }),
            Record(PeerFrames.Tcp(est with { AckNumber = stackNext + 1000, WindowLength = 0 }), delayCode: 100),
            Record(PeerFrames.Tcp(est with { AckNumber = stackNext + 1000, WindowLength = 1024 }), delayCode: 60)));
        yield return ("tcp-out-of-order", Input(PeerFrames.Tcp(est with { SeqNumber = peerNext + 200 }, data), PeerFrames.Tcp(est, data), PeerFrames.Tcp(est with { SeqNumber = peerNext + 100 }, data)));
        yield return ("tcp-urgent", Input(PeerFrames.Tcp(est with { UrgentPointer = 10 }, data)));
        yield return ("tcp-old-timestamp", Input(PeerFrames.Tcp(est with { Timestamp = new TcpTimestamp(5, 1) }, data)));
        yield return ("tcp-ack-beyond-sent", Input(PeerFrames.Tcp(est with { AckNumber = stackNext + 90000 }, data)));
        yield return ("tcp-data-outside-window", Input(PeerFrames.Tcp(est with { SeqNumber = peerNext + 2_000_000 }, data)));

        // TCP to the listener and to closed ports.
        var syn = new TcpRepr
        {
            SourcePort = 40001, DestinationPort = FrameInputHarness.ListenPort, Control = TcpControl.Syn, SeqNumber = new SeqNumber(7000),
            WindowLength = 65535, MaxSegmentSize = 536, WindowScale = 14, SackPermitted = true, Timestamp = new TcpTimestamp(300, 0),
        };
        yield return ("tcp-listener-syn", Input(PeerFrames.Tcp(syn), PeerFrames.Tcp(syn), PeerFrames.Tcp(syn with { Control = TcpControl.None, SeqNumber = syn.SeqNumber + 1, AckNumber = new SeqNumber(12345), MaxSegmentSize = null, WindowScale = null, SackPermitted = false })));
        yield return ("tcp-listener-syn-no-options", Input(PeerFrames.Tcp(syn with { MaxSegmentSize = null, WindowScale = null, SackPermitted = false, Timestamp = null })));
        yield return ("tcp-listener-ack-cookie", Input(PeerFrames.Tcp(syn with { Control = TcpControl.None, AckNumber = new SeqNumber(0x01020304), MaxSegmentSize = null, WindowScale = null, SackPermitted = false })));
        yield return ("tcp-closed-port", Input(PeerFrames.Tcp(syn with { DestinationPort = 81 }), PeerFrames.Tcp(est with { DestinationPort = 81 }, data), PeerFrames.Tcp(est with { DestinationPort = 81, Control = TcpControl.Rst })));
        var unknownOptionSyn = PeerFrames.Tcp(syn with { SourcePort = 40002 });
        yield return ("tcp-listener-syn-options-raw", Input(unknownOptionSyn));

        // TCP to the connection the stack is opening (SYN-SENT).
        var synAck = new TcpRepr
        {
            SourcePort = FrameInputHarness.ConnectPort, DestinationPort = clientPort, Control = TcpControl.Syn, SeqNumber = new SeqNumber(50000),
            AckNumber = new SeqNumber(clientIsn + 1), WindowLength = 29200, MaxSegmentSize = 1460, WindowScale = 7, SackPermitted = true, Timestamp = new TcpTimestamp(400, 1),
        };
        var clientEst = synAck with { Control = TcpControl.None, SeqNumber = synAck.SeqNumber + 1, MaxSegmentSize = null, WindowScale = null, SackPermitted = false };
        yield return ("tcp-client-synack-data-fin", Input(PeerFrames.Tcp(synAck), PeerFrames.Tcp(clientEst, data), PeerFrames.Tcp(clientEst with { SeqNumber = clientEst.SeqNumber + 100, Control = TcpControl.Fin })));
        yield return ("tcp-client-synack-bad-ack", Input(PeerFrames.Tcp(synAck with { AckNumber = new SeqNumber(clientIsn + 77) })));
        yield return ("tcp-client-simultaneous-open", Input(PeerFrames.Tcp(synAck with { AckNumber = null })));
        yield return ("tcp-client-rst", Input(PeerFrames.Tcp(synAck with { Control = TcpControl.Rst, SeqNumber = new SeqNumber(0), MaxSegmentSize = null, WindowScale = null, SackPermitted = false, Timestamp = null })));

        // UDP.
        yield return ("udp-socket", Input(PeerFrames.Udp(5353, FrameInputHarness.UdpPort, data)));
        yield return ("udp-closed-port", Input(PeerFrames.Udp(5353, 9, data)));
        yield return ("udp-broadcast", Input(PeerFrames.Udp(68, FrameInputHarness.UdpPort, data, IPv4Address.Broadcast), PeerFrames.Udp(68, 9, data, new IPv4Address(198, 18, 0, 255))));
        var zeroSum = PeerFrames.Udp(5353, FrameInputHarness.UdpPort, data);
        zeroSum[14 + 20 + 6] = 0;
        zeroSum[14 + 20 + 7] = 0;
        yield return ("udp-zero-checksum", Input(Record(zeroSum, fixChecksums: false)));

        // ICMP and IPv4.
        var echo = new byte[3000];
        for (int i = 0; i < echo.Length; i++)
            echo[i] = (byte)i;
        var echoMessage = new byte[IcmpRepr.HeaderLength + echo.Length];
        IcmpRepr.EchoRequest(7, 1, echo.Length).Emit(echoMessage, echo);
        yield return ("icmp-echo", Input(PeerFrames.Icmp(IcmpRepr.EchoRequest(7, 1, 56), echo.AsSpan(0, 56))));
        yield return ("icmp-echo-reply-unsolicited", Input(PeerFrames.Icmp(IcmpRepr.EchoReply(7, 1, 8), echo.AsSpan(0, 8))));
        yield return ("ipv4-fragments", Input(
            PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(0, 1480), identification: 9, moreFragments: true),
            PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(1480, 1480), identification: 9, fragmentOffset: 1480, moreFragments: true),
            PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(2960), identification: 9, fragmentOffset: 2960)));
        yield return ("ipv4-fragments-reversed-overlap", Input(
            PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(2960), identification: 10, fragmentOffset: 2960),
            PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(1480, 1480), identification: 10, fragmentOffset: 1480, moreFragments: true),
            PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(1000, 1000), identification: 10, fragmentOffset: 1000, moreFragments: true),
            PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(0, 1480), identification: 10, moreFragments: true)));
        yield return ("ipv4-fragment-timeout", Input(Record(PeerFrames.IPv4(IpProtocol.Udp, new byte[64], identification: 11, moreFragments: true), delayCode: 1)));
        byte[] recordRoute = [1, 7, 39, 4, .. new byte[36]];
        yield return ("ipv4-options-record-route", Input(PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(0, 64), options: recordRoute)));
        byte[] timestampOption = [68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        yield return ("ipv4-options-timestamp", Input(PeerFrames.IPv4(IpProtocol.Udp, new byte[8], options: timestampOption)));
        yield return ("ipv4-unknown-protocol", Input(PeerFrames.IPv4((IpProtocol)47, data)));
        yield return ("ipv4-not-for-us", Input(PeerFrames.IPv4(IpProtocol.Icmp, echoMessage.AsSpan(0, 64), destination: new IPv4Address(198, 18, 0, 9))));

        // ICMP errors quoting the stack's own traffic.
        var quotedTcp = QuotedDatagram(IpProtocol.Tcp, FrameInputHarness.ListenPort, FrameInputHarness.PeerPort, stackNext.Value);
        yield return ("icmp-frag-needed-tcp", Input(PeerFrames.Icmp(IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.FragmentationNeeded, quotedTcp.Length, 576), quotedTcp)));
        var quotedSyn = QuotedDatagram(IpProtocol.Tcp, clientPort, FrameInputHarness.ConnectPort, clientIsn);
        yield return ("icmp-port-unreachable-syn", Input(PeerFrames.Icmp(IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.PortUnreachable, quotedSyn.Length), quotedSyn)));
        yield return ("icmp-host-unreachable-tcp", Input(PeerFrames.Icmp(IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.HostUnreachable, quotedTcp.Length), quotedTcp)));
        var quotedUdp = QuotedDatagram(IpProtocol.Udp, FrameInputHarness.UdpPort, 53, 0);
        yield return ("icmp-time-exceeded-udp", Input(PeerFrames.Icmp(IcmpRepr.TimeExceeded(IcmpTimeExceededCode.TimeToLiveExceeded, quotedUdp.Length), quotedUdp)));

        // ARP and Ethernet.
        yield return ("arp-request", Input(PeerFrames.Arp()));
        yield return ("arp-reply-unicast", Input(PeerFrames.Arp(ArpOperation.Reply, destination: PeerFrames.StackMac)));
        yield return ("arp-conflict", Input(PeerFrames.Arp(senderAddress: PeerFrames.StackAddress)));
        yield return ("arp-new-neighbour", Input(PeerFrames.Arp(senderAddress: new IPv4Address(198, 18, 0, 77))));
        yield return ("ethernet-ipv6", Input(PeerFrames.Ethernet((EtherType)0x86DD, new byte[60])));
        yield return ("ethernet-vlan", Input(PeerFrames.Ethernet((EtherType)0x8100, PeerFrames.Udp(1, 2, data).AsSpan(12))));
        yield return ("ethernet-8023-length", Input(PeerFrames.Ethernet((EtherType)0x0040, new byte[64])));
        yield return ("ethernet-truncated", Input(new byte[10], PeerFrames.Tcp(est).AsSpan(0, 40).ToArray(), new byte[14]));
        var ownSource = PeerFrames.Tcp(est);
        PeerFrames.StackMac.WriteTo(ownSource.AsSpan(6));
        yield return ("ethernet-own-source", Input(ownSource));

        foreach (var seed in IPv6Seeds(stackIsn6, data))
            yield return seed;

        // The tests' real kernel captures, seen from both ends.
        foreach (var field in typeof(Captures).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (field.GetRawConstantValue() is not string hex)
                continue;
            var frame = Convert.FromHexString(hex);
            yield return ($"capture-{Kebab(field.Name)}", Input(Readdress(frame, toStack: true)));
            yield return ($"capture-{Kebab(field.Name)}-reversed", Input(Readdress(frame, toStack: false)));
        }
    }

    // IPv6: NDP, SLAAC, ICMPv6 echo and errors, extension headers, fragments, TCP and UDP.
    private static IEnumerable<(string Name, byte[] Input)> IPv6Seeds(uint stackIsn6, byte[] data)
    {
        var stack = PeerFrames6.StackAddress;
        var peer = PeerFrames6.PeerAddress;
        var router = PeerFrames6.PeerLinkLocal;
        var mac = PeerFrames.PeerMac;

        // NDP (RFC 4861) and SLAAC (RFC 4862).
        yield return ("ndp-ns-global", Input(PeerFrames6.Ndp(NdpRepr.NeighborSolicitation(stack, mac), peer, stack.SolicitedNode)));
        yield return ("ndp-ns-unicast-no-option", Input(PeerFrames6.Ndp(NdpRepr.NeighborSolicitation(stack, null), peer, stack)));
        yield return ("ndp-ns-dad-probe", Input(PeerFrames6.Ndp(NdpRepr.NeighborSolicitation(stack, null), IPv6Address.Unspecified, stack.SolicitedNode)));
        yield return ("ndp-ns-hop-limit-64", Input(PeerFrames6.Ndp(NdpRepr.NeighborSolicitation(stack, mac), peer, stack.SolicitedNode, hopLimit: 64)));
        yield return ("ndp-na-unsolicited-override", Input(PeerFrames6.Ndp(NdpRepr.NeighborAdvertisement(peer, MacAddress.Parse("02:00:00:00:00:99"), solicited: false, @override: true), peer, IPv6Address.AllNodes)));
        yield return ("ndp-na-for-own-address", Input(PeerFrames6.Ndp(NdpRepr.NeighborAdvertisement(stack, mac, solicited: false, @override: true), peer, IPv6Address.AllNodes)));
        yield return ("ndp-na-router-flag", Input(PeerFrames6.Ndp(NdpRepr.NeighborAdvertisement(router, mac, solicited: true, @override: false, router: true), router, stack)));
        yield return ("ndp-rs", Input(PeerFrames6.Ndp(NdpRepr.RouterSolicitation(mac), peer, IPv6Address.AllRouters)));
        var ra = new NdpRepr
        {
            Type = Icmpv6Type.RouterAdvertisement, CurrentHopLimit = 64, RouterLifetime = 1800, ReachableTime = 30_000, RetransTimer = 1000,
            SourceLinkLayerAddress = mac, Mtu = 1400,
            Prefix = new NdpPrefixInformation(64, OnLink: true, Autonomous: true, ValidLifetime: 7200, PreferredLifetime: 3600, IPv6Address.Parse("2001:db8:a::")),
            PrefixCount = 1,
            Rdnss = new NdpRdnss(600, IPv6Address.Parse("2001:db8:a::53")),
        };
        yield return ("ndp-ra-prefix-mtu-rdnss", Input(PeerFrames6.Ndp(ra, router, IPv6Address.AllNodes), Record(PeerFrames6.Ndp(ra with { RouterLifetime = 0, Prefix = ra.Prefix!.Value with { ValidLifetime = 0, PreferredLifetime = 0 } }, router, IPv6Address.AllNodes), delayCode: 20)));
        yield return ("ndp-ra-not-link-local", Input(PeerFrames6.Ndp(ra, peer, IPv6Address.AllNodes)));
        yield return ("ndp-ra-short-lifetime", Input(PeerFrames6.Ndp(ra with { Prefix = ra.Prefix!.Value with { ValidLifetime = 30, PreferredLifetime = 10 } }, router, IPv6Address.AllNodes), Record(new byte[14], delayCode: 9)));
        yield return ("ndp-redirect", Input(PeerFrames6.Ndp(new NdpRepr { Type = Icmpv6Type.Redirect, TargetAddress = router, DestinationAddress = peer, TargetLinkLayerAddress = mac }, router, stack)));

        // ICMPv6 (RFC 4443): echo, errors quoting the stack's own traffic, MLD (RFC 3810).
        var echo = new byte[3000];
        for (int i = 0; i < echo.Length; i++)
            echo[i] = (byte)(i * 7);
        yield return ("icmpv6-echo", Input(PeerFrames6.Icmpv6(Icmpv6Repr.EchoRequest(9, 1, 56), echo.AsSpan(0, 56))));
        yield return ("icmpv6-echo-link-local", Input(PeerFrames6.Icmpv6(Icmpv6Repr.EchoRequest(9, 2, 8), echo.AsSpan(0, 8), router, IPv6Address.AllNodes)));
        yield return ("icmpv6-echo-reply-unsolicited", Input(PeerFrames6.Icmpv6(Icmpv6Repr.EchoReply(9, 3, 8), echo.AsSpan(0, 8))));
        var quoted = PeerFrames6.QuotedTcp(FrameInputHarness.ListenPort, FrameInputHarness.PeerPort6, stackIsn6 + 1);
        yield return ("icmpv6-packet-too-big-tcp", Input(PeerFrames6.Icmpv6(Icmpv6Repr.PacketTooBig(1280, quoted.Length), quoted)));
        yield return ("icmpv6-packet-too-big-below-minimum", Input(PeerFrames6.Icmpv6(Icmpv6Repr.PacketTooBig(600, quoted.Length), quoted)));
        yield return ("icmpv6-unreachable-tcp", Input(PeerFrames6.Icmpv6(Icmpv6Repr.DestinationUnreachable(Icmpv6UnreachableCode.PortUnreachable, quoted.Length), quoted)));
        yield return ("icmpv6-time-exceeded-tcp", Input(PeerFrames6.Icmpv6(Icmpv6Repr.TimeExceeded(Icmpv6TimeExceededCode.HopLimitExceeded, quoted.Length), quoted)));
        yield return ("icmpv6-parameter-problem-tcp", Input(PeerFrames6.Icmpv6(Icmpv6Repr.ParameterProblem(Icmpv6ParameterProblemCode.UnrecognizedNextHeader, 6, quoted.Length), quoted)));
        byte[] mldQuery = [130, 0, 0, 0, 0x03, 0xE8, 0, 0, .. new byte[16], 0, 125, 0, 0];
        yield return ("mld-query", Input(PeerFrames6.WithExtension(IpProtocol.HopByHop, IpProtocol.Icmpv6, [5, 2, 0, 0, 1, 0], mldQuery, IPv6Address.AllNodes)));

        // Extension headers (RFC 8200 §4) and fragments (§4.5, RFC 5722, RFC 6946).
        var echoMessage = new byte[Icmpv6Repr.HeaderLength + echo.Length];
        var udpInner = new byte[8 + data.Length];
        new UdpRepr(5353, FrameInputHarness.UdpPort, data.Length).Emit(udpInner, data, new NetAddress(peer), new NetAddress(stack));
        yield return ("ipv6-hop-by-hop-pad", Input(PeerFrames6.WithExtension(IpProtocol.HopByHop, IpProtocol.Udp, [1, 4, 0, 0, 0, 0], udpInner)));
        yield return ("ipv6-destination-unknown-option-discard", Input(PeerFrames6.WithExtension(IpProtocol.IPv6DestinationOptions, IpProtocol.Udp, [0x80, 4, 0, 0, 0, 0], udpInner)));
        yield return ("ipv6-destination-unknown-option-icmp", Input(PeerFrames6.WithExtension(IpProtocol.IPv6DestinationOptions, IpProtocol.Udp, [0xC2, 4, 0, 0, 0, 0], udpInner)));
        yield return ("ipv6-routing-type-0", Input(PeerFrames6.WithExtension(IpProtocol.IPv6Routing, IpProtocol.Udp, [0, 1, 0, 0, 0, 0], udpInner)));
        yield return ("ipv6-routing-type-4-done", Input(PeerFrames6.WithExtension(IpProtocol.IPv6Routing, IpProtocol.Udp, [4, 0, 0, 0, 0, 0], udpInner)));
        yield return ("ipv6-no-next-header", Input(PeerFrames6.Packet((IpProtocol)59, new byte[8])));
        yield return ("ipv6-unknown-next-header", Input(PeerFrames6.Packet((IpProtocol)253, data)));
        yield return ("ipv6-not-for-us", Input(PeerFrames6.Udp(5353, FrameInputHarness.UdpPort, data, IPv6Address.Parse("2001:db8:f::77"))));
        Icmpv6Repr.EchoRequest(9, 4, echo.Length).Emit(echoMessage, echo, peer, stack);
        yield return ("ipv6-fragments", Input(
            PeerFrames6.Fragment(IpProtocol.Icmpv6, 21, 0, true, echoMessage.AsSpan(0, 1448)),
            PeerFrames6.Fragment(IpProtocol.Icmpv6, 21, 1448, true, echoMessage.AsSpan(1448, 1448)),
            PeerFrames6.Fragment(IpProtocol.Icmpv6, 21, 2896, false, echoMessage.AsSpan(2896))));
        yield return ("ipv6-fragments-overlap", Input(
            PeerFrames6.Fragment(IpProtocol.Icmpv6, 22, 0, true, echoMessage.AsSpan(0, 1448)),
            PeerFrames6.Fragment(IpProtocol.Icmpv6, 22, 1000, true, echoMessage.AsSpan(1000, 1448)),
            PeerFrames6.Fragment(IpProtocol.Icmpv6, 22, 2896, false, echoMessage.AsSpan(2896))));
        yield return ("ipv6-atomic-fragment", Input(PeerFrames6.Fragment(IpProtocol.Udp, 23, 0, false, udpInner)));
        yield return ("ipv6-fragment-timeout", Input(Record(PeerFrames6.Fragment(IpProtocol.Udp, 24, 0, true, new byte[64]), delayCode: 1)));

        // UDP and TCP over IPv6.
        yield return ("udp6-socket", Input(PeerFrames6.Udp(5353, FrameInputHarness.UdpPort, data)));
        yield return ("udp6-closed-port", Input(PeerFrames6.Udp(5353, 9, data)));
        var est6 = new TcpRepr
        {
            SourcePort = FrameInputHarness.PeerPort6, DestinationPort = FrameInputHarness.ListenPort,
            SeqNumber = new SeqNumber(FrameInputHarness.PeerIsn6 + 1), AckNumber = new SeqNumber(stackIsn6 + 1), WindowLength = 512, Timestamp = new TcpTimestamp(200, 1),
        };
        yield return ("tcp6-data", Input(PeerFrames6.Tcp(est6 with { Push = true }, data), PeerFrames6.Tcp(est6 with { SeqNumber = est6.SeqNumber + 100 })));
        yield return ("tcp6-out-of-order-fin", Input(PeerFrames6.Tcp(est6 with { SeqNumber = est6.SeqNumber + 100, Control = TcpControl.Fin }, data), PeerFrames6.Tcp(est6, data)));
        yield return ("tcp6-rst", Input(PeerFrames6.Tcp(est6 with { Control = TcpControl.Rst, AckNumber = null, Timestamp = null })));
        var syn6 = new TcpRepr
        {
            SourcePort = 40007, DestinationPort = FrameInputHarness.ListenPort, Control = TcpControl.Syn, SeqNumber = new SeqNumber(9000),
            WindowLength = 65535, MaxSegmentSize = 1440, WindowScale = 7, SackPermitted = true, Timestamp = new TcpTimestamp(300, 0),
        };
        yield return ("tcp6-listener-syn", Input(PeerFrames6.Tcp(syn6), PeerFrames6.Tcp(syn6 with { Control = TcpControl.None, SeqNumber = syn6.SeqNumber + 1, AckNumber = new SeqNumber(4242), MaxSegmentSize = null, WindowScale = null, SackPermitted = false })));
        yield return ("tcp6-closed-port", Input(PeerFrames6.Tcp(syn6 with { DestinationPort = 81 })));
    }

    // The first 28 octets of a datagram the stack sent to the peer, as an ICMP error quotes it.
    private static byte[] QuotedDatagram(IpProtocol protocol, ushort sourcePort, ushort destinationPort, uint seq)
    {
        var ip = new IPv4Repr { Source = PeerFrames.StackAddress, Destination = PeerFrames.PeerAddress, Protocol = protocol, PayloadLength = 1460, TimeToLive = 64, DontFragment = true };
        var quote = new byte[IPv4Repr.HeaderLength + 8];
        ip.Emit(quote);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(20), sourcePort);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(22), destinationPort);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(quote.AsSpan(24), seq);
        return quote;
    }

    // Captures: host A (198.18.1.2, ..:0a) talked to router R (198.18.1.1, ..:1a). Map A to the peer and
    // R to the stack (frames A sent become frames to the stack), or the other way round.
    private static byte[] Readdress(byte[] frame, bool toStack)
    {
        byte[] macA = [2, 0, 0, 0, 0, 0x0a], macR = [2, 0, 0, 0, 0, 0x1a];
        byte[] ipA = [198, 18, 1, 2], ipR = [198, 18, 1, 1];
        var peerMac = new byte[6];
        var stackMac = new byte[6];
        PeerFrames.PeerMac.WriteTo(peerMac);
        PeerFrames.StackMac.WriteTo(stackMac);
        var peerIp = new byte[4];
        var stackIp = new byte[4];
        PeerFrames.PeerAddress.WriteTo(peerIp);
        PeerFrames.StackAddress.WriteTo(stackIp);
        var result = Replace(frame, macA, toStack ? peerMac : stackMac, macR, toStack ? stackMac : peerMac);
        return Replace(result, ipA, toStack ? peerIp : stackIp, ipR, toStack ? stackIp : peerIp);
    }

    private static byte[] Replace(byte[] input, byte[] a, byte[] aTo, byte[] b, byte[] bTo)
    {
        var output = (byte[])input.Clone();
        for (int i = 0; i + a.Length <= input.Length;)
        {
            if (input.AsSpan(i, a.Length).SequenceEqual(a))
            {
                aTo.CopyTo(output, i);
                i += a.Length;
            }
            else if (input.AsSpan(i, b.Length).SequenceEqual(b))
            {
                bTo.CopyTo(output, i);
                i += b.Length;
            }
            else
            {
                i++;
            }
        }
        return output;
    }

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private static byte[] Input(params ReadOnlySpan<SeedFrame> frames)
    {
        using var stream = new MemoryStream();
        foreach (var f in frames)
            FrameInputReader.Write(stream, f.Frame, f.FixChecksums, f.DelayCode);
        return stream.ToArray();
    }

    private static SeedFrame Record(byte[] frame, bool fixChecksums = true, int delayCode = 0) => new(frame, fixChecksums, delayCode);

    /// <summary>A frame of a seed and how it is delivered.</summary>
    private readonly record struct SeedFrame(byte[] Frame, bool FixChecksums = true, int DelayCode = 0)
    {
        public static implicit operator SeedFrame(byte[] frame) => new(frame);
    }
}
