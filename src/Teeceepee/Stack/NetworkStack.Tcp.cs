using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Teeceepee.Links;
using Teeceepee.Stack.Ndp;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

public sealed partial class NetworkStack
{
    /// <summary>Largest TCP header (data offset 15).</summary>
    private const int MaxTcpHeaderLength = 60;

    private TcpHost _tcp = null!;
    private int _tcpHeaderGuess = IPv4Repr.HeaderLength + MaxTcpHeaderLength; // IP + TCP headers the payload sits behind
    private bool _transmitChecksum; // the link completes partial TCP checksums
    private ITcpProbe? _tcpProbe;
    private PathMtuCache _pathMtu4 = null!; // RFC 1191 path MTUs of IPv4 destinations (IPv6's is _pathMtu)
    // Gather send: the TCP segment being sent has its headers in _tx (up to _gatherAt) and its payload in these slices of
    // the connection's send ring, until Transmit hands them to the link or MaterializeGather copies them behind the headers.
    private int _gatherAt;
    private ReadOnlyMemory<byte> _gather, _gather2;


    /// <summary>
    /// The stack's TCP host (sans-I/O, RFC 9293). Loop thread only: the socket API posts commands
    /// that call it; <see cref="Poll"/> dispatches what it produces right after the commands ran.
    /// </summary>
    internal TcpHost Tcp => _tcp;

    private void CreateTcp(NetworkStackOptions options)
    {
        // MSS from the MTU (RFC 9293 §3.7.1: MTU minus fixed IP and TCP headers) unless configured.
        var config = options.Tcp ?? TcpConfig.Default with { MaxSegmentSize = Mtu - IPv4Repr.HeaderLength - 20 };
        if (options.CongestionControl is { } congestion)
            config = config with { CongestionControl = congestion };
        if (options.TcpBufferSize is { } buffer)
            config = config with { SendBufferSize = buffer, ReceiveBufferSize = buffer };
        if (options.Ecn is { } ecn)
            config = config with { Ecn = ecn };
        if (options.FastOpen is { } fastOpen)
            config = config with { FastOpen = fastOpen };
        if (options.Pacing is { } pacing)
            config = config with { Pacing = pacing };
        if (options.SynRateLimit is { } synRate)
            config = config with { SynRateLimit = synRate };
        Span<byte> key = stackalloc byte[16];
        _random.NextBytes(key);
        var isn = new IsnGenerator(key);
        _random.NextBytes(key);
        // A loop of a group connects from its own slice of the ephemeral range: the flow is then its own (FlowSharding).
        var (firstPort, lastPort) = _sharding is null ? ((ushort)49152, (ushort)65535) : _sharding.PortRange(_loopIndex);
        var ports = new EphemeralPortAllocator(key, firstPort, lastPort);
        _random.NextBytes(key);
        var cookies = new SynCookies(key);
        // Gather send (issue 9 item 3): payloads stay in the send rings and go to the link as slices behind the headers.
        _tcp = new TcpHost(config, isn, ports, cookies) { DropCounters = _counters.TcpDrops, PathMtuOf = PathMtuFor, GatherSend = options.GatherSend };
        _pathMtu4 = new PathMtuCache(options.PathMtuCacheCapacity, options.PathMtuAge, PathMtuCache.MinimumMtuIPv4);
        var offloads = options.TransmitOffloads ? _link.Capabilities.Offloads : LinkOffloads.None;
        _transmitChecksum = (offloads & LinkOffloads.TransmitChecksum) != 0;
        // Only when every wire segment the link cuts fits the MTU (a configured MSS above MTU - 40 relies on fragmentation).
        if ((offloads & LinkOffloads.TransmitSegmentation) != 0 && config.MaxSegmentSize + IPv4Repr.HeaderLength + 20 <= Mtu)
        {
            // TSO: new data in super-segments that fit one IPv4 datagram behind the longest TCP header (and the payload
            // buffer DispatchTcp hands TCP, which starts behind at most that header).
            _tcp.SegmentationOffloadLimit = MaxIPv4Payload - MaxTcpHeaderLength;
            // TSO6 (TUN_F_TSO6): the whole IPv6 packet within 64 KiB too, as the kernel's TSO6 frames are, so it fits
            // every offloading link's largest frame (LinkCapabilities.MaxOffloadFrameLength).
            _tcp.SegmentationOffloadLimitIPv6 = LinkCapabilities.MaxSuperFrameIPLength - IPv6Repr.HeaderLength - MaxTcpHeaderLength;
        }
        if (options.Trace is not null)
        {
            _tcp.Trace = new StackTcpTrace(this, options.ExplainTrace);
            if (options.ExplainTrace)
                _tcp.StateChanged = (tcb, from, to) => Trace($"tcp {tcb.LocalAddress}:{tcb.LocalPort}<->{tcb.RemoteAddress}:{tcb.RemotePort} {from}=>{to} ({DropExplanations.Explain(from, to)})");
        }
        _tcp.RttSampled = OnRttSampled;
        _tcpProbe = options.TcpProbe;
        if (_tcpProbe is not null)
            _tcp.SegmentProcessed = (tcb, now) => Probe(tcb, now, null);
    }

    private void OnRttSampled(Tcb tcb, Instant now, TimeSpan rtt)
    {
        StackMetrics.RecordRtt(_name, rtt);
        if (_tcpProbe is not null)
            Probe(tcb, now, rtt);
    }

    private void Probe(Tcb tcb, Instant now, TimeSpan? rtt)
    {
        try
        {
            _tcpProbe!.OnSample(new TcpProbeSample(now, new TcpFourTuple(tcb.LocalAddress, tcb.LocalPort, tcb.RemoteAddress, tcb.RemotePort), tcb.GetInfo(), rtt));
        }
        catch (Exception e)
        {
            // The application's probe must not take the loop down.
            Trace($"tcp probe threw {e.GetType().Name}: {e.Message}");
        }
    }

    private void ProcessTcp(Instant now, in IPv4Repr ip, ReadOnlySpan<byte> payload, bool broadcast)
    {
        if (!TcpSegment.TryParse(payload, out var segment, out var error)
            || !TcpRepr.TryParse(segment, ip.Source, ip.Destination, _verifyChecksums && !_frameChecksumTrusted, out var tcp, out error))
        {
            Drop((DropReason)error, "tcp");
            return;
        }
        if (broadcast)
        {
            // RFC 1122 §4.2.3.10: a SYN to a broadcast address is silently discarded (and no RST for any of it).
            Drop(DropReason.NotForUs, "tcp", ip.Destination);
            return;
        }
        _counters.TcpSegmentsIn++;
        if ((ip.TypeOfService & 3) != 0)
            tcp = tcp with { Ecn = (EcnCodepoint)(ip.TypeOfService & 3) }; // RFC 3168 §5: TCP sees the IP header's ECN field
        _tcp.Process(now, ip.Source, ip.Destination, tcp, segment.Payload);
    }

    /// <summary>
    /// Sends everything TCP has ready. Headers are built in place in the frame buffer; the payload stays in the send ring
    /// and goes to the link as one or two slices behind them (gather send: a TAP writes them with one writev, links that
    /// need one buffer flatten), or, without <see cref="NetworkStackOptions.GatherSend"/>, TCP copies it behind the headers.
    /// </summary>
    private void DispatchTcp(Instant now)
    {
        var packet = _tx.AsSpan(_linkHeaderLength); // the network-layer packet: IP header, TCP header, payload
        // A copied payload goes behind room for the IP + TCP headers the last data segment had (20 + 32 for IPv4
        // with timestamps, 40 + 32 for IPv6); only when the headers turn out longer or shorter (another family,
        // other options) does the payload move to meet them (an overlapping copy within one buffer). The buffer
        // holds an IPv6 header plus 64 KiB, so a payload of one MSS fits behind any headers, and so does a
        // super-segment (TSO): its limit leaves room for the longest header.
        while (true)
        {
            int guess = _tcpHeaderGuess;
            var payloadArea = packet[guess..];
            if (!_tcp.TryDispatch(now, payloadArea, out var outgoing))
                break;
            var segment = outgoing.Segment;
            int headerLength = segment.HeaderLength;
            bool ipv6 = outgoing.RemoteAddress.IsIPv6;
            int headersLength = (ipv6 ? IPv6Repr.HeaderLength : IPv4Repr.HeaderLength) + headerLength;
            if (outgoing.PayloadInPlace)
            {
                _gatherAt = _linkHeaderLength + headersLength;
                _gather = outgoing.Payload;
                _gather2 = outgoing.Payload2;
            }
            else if (segment.PayloadLength > 0)
            {
                if (headersLength != guess)
                    payloadArea[..segment.PayloadLength].CopyTo(packet[headersLength..]);
                _tcpHeaderGuess = headersLength;
            }
            if (ipv6)
                DispatchTcp6(now, outgoing, segment, headerLength);
            else
                DispatchTcp4(now, outgoing, segment, headerLength);
            _gatherAt = 0;
            _gather = _gather2 = default;
        }
    }

    private void DispatchTcp4(Instant now, in TcpOutgoing outgoing, in TcpRepr segment, int headerLength)
    {
        var buffer = IPv4PayloadBuffer;
        var offload = LinkOffload.None;
        int wireSegments = 1;
        int tcpStart = _linkHeaderLength + IPv4Repr.HeaderLength;
        // Loopback datagrams are parsed by us, never by a link: they need complete checksums.
        if (outgoing.RemoteAddress != (NetAddress)Address)
        {
            // Offloads only where the wire segments fit the MTU: a connection configured with a larger MSS falls
            // back to one datagram with a complete checksum, which IP fragments.
            if (outgoing.SegmentSize > 0 && segment.PayloadLength > outgoing.SegmentSize
                && IPv4Repr.HeaderLength + headerLength + outgoing.SegmentSize <= Mtu)
            {
                // A super-segment (TSO): the link cuts it at the MSS; its checksum field holds the pseudo-header
                // sum over the whole length, which the link adjusts per segment.
                offload = LinkOffload.TcpSegmentation(tcpStart, tcpStart + headerLength, outgoing.SegmentSize);
                wireSegments = (segment.PayloadLength + outgoing.SegmentSize - 1) / outgoing.SegmentSize;
            }
            else if (_transmitChecksum && IPv4Repr.HeaderLength + headerLength + segment.PayloadLength <= Mtu)
            {
                offload = LinkOffload.TcpChecksumPartial(tcpStart);
            }
        }
        EmitTcp(segment, buffer, outgoing, tcpStart, offload);
        // RFC 1191 §3: DF on every segment that fits the path (a configured MSS beyond it still relies on fragmentation).
        bool dontFragment = IPv4Repr.HeaderLength + headerLength + segment.PayloadLength <= Mtu;
        if (SendIPv4(now, outgoing.RemoteAddress.V4, IpProtocol.Tcp, headerLength + segment.PayloadLength, offload, dontFragment,
            typeOfService: (byte)segment.Ecn) == SendStatus.Sent)
            _counters.TcpSegmentsOut += wireSegments;
    }

    /// <summary>
    /// Writes the TCP header at <paramref name="buffer"/>: a partial checksum for the link to complete, else a complete one,
    /// summed over the header and the payload where it lies (behind the header, or the send ring's slices).
    /// </summary>
    private void EmitTcp(in TcpRepr segment, Span<byte> buffer, in TcpOutgoing outgoing, int tcpStart, in LinkOffload offload)
    {
        bool gathered = _gatherAt != 0;
        segment.Emit(buffer, outgoing.LocalAddress, outgoing.RemoteAddress, partialChecksum: !offload.IsNone || gathered);
        if (!gathered || !offload.IsNone)
            return;
        // RFC 9293 §3.1 over pieces: the field holds the pseudo-header sum, so summing the header adds it in.
        var header = _tx.AsSpan(tcpStart, segment.HeaderLength);
        uint sum = Checksum.Sum(header);
        sum = Checksum.Sum(_gather.Span, sum);
        sum = Checksum.Sum(_gather2.Span, sum, _gather.Length);
        BinaryPrimitives.WriteUInt16BigEndian(header[TcpSegment.Field.Checksum..], Checksum.Fold(sum));
    }

    /// <summary>True when <paramref name="frame"/> is the frame buffer's frame whose payload is still in the send ring.</summary>
    private bool IsGatheredFrame(ReadOnlySpan<byte> frame) =>
        _gatherAt != 0 && frame.Length == _gatherAt + _gather.Length + _gather2.Length
        && Unsafe.AreSame(ref MemoryMarshal.GetReference(frame), ref _tx[0]);

    /// <summary>Copies a gathered payload behind its headers in the frame buffer, for paths that need the whole frame in one piece.</summary>
    private void MaterializeGather()
    {
        if (_gatherAt == 0)
            return;
        _gather.Span.CopyTo(_tx.AsSpan(_gatherAt));
        _gather2.Span.CopyTo(_tx.AsSpan(_gatherAt + _gather.Length));
        _gatherAt = 0;
        _gather = _gather2 = default;
    }

    /// <summary>
    /// Sends one IPv6 segment whose headers go in the frame buffer (its payload behind them or in the send ring): a
    /// super-segment (TSO6, <see cref="LinkGsoType.TcpV6"/>) the link cuts at the MSS, else one segment, with a partial
    /// checksum where the link completes it.
    /// </summary>
    private void DispatchTcp6(Instant now, in TcpOutgoing outgoing, in TcpRepr segment, int headerLength)
    {
        int length = headerLength + segment.PayloadLength;
        var buffer = IPv6PayloadBuffer;
        var offload = LinkOffload.None;
        int wireSegments = 1;
        var destination = outgoing.RemoteAddress.V6;
        int tcpStart = _linkHeaderLength + IPv6Repr.HeaderLength;
        // Our own addresses loop back through our parser: complete checksums there.
        if (!IsOurIPv6Address(destination))
        {
            if (outgoing.SegmentSize > 0 && segment.PayloadLength > outgoing.SegmentSize
                && IPv6Repr.HeaderLength + headerLength + outgoing.SegmentSize <= PathMtu(now, destination))
            {
                // Every wire segment the link cuts must fit the path MTU (RFC 8201): IPv6 routers never fragment.
                offload = LinkOffload.TcpSegmentation(tcpStart, tcpStart + headerLength, outgoing.SegmentSize, ipv6: true);
                wireSegments = (segment.PayloadLength + outgoing.SegmentSize - 1) / outgoing.SegmentSize;
            }
            else if (_transmitChecksum && IPv6Repr.HeaderLength + length <= _linkMtu6)
            {
                offload = LinkOffload.TcpChecksumPartial(tcpStart);
            }
        }
        EmitTcp(segment, buffer, outgoing, tcpStart, offload);
        if (SendIPv6(now, outgoing.LocalAddress.V6, destination, IpProtocol.Tcp, length, offload, trafficClass: (byte)segment.Ecn) == SendStatus.Sent)
            _counters.TcpSegmentsOut += wireSegments;
    }

    /// <summary>An IPv6 TCP segment for us (RFC 9293 over RFC 8200 §8.1's pseudo-header).</summary>
    private void ProcessTcp6(Instant now, IPv6Address source, IPv6Address destination, ReadOnlySpan<byte> payload, bool multicast, EcnCodepoint ecn)
    {
        if (!TcpSegment.TryParse(payload, out var segment, out var error)
            || !TcpRepr.TryParse(segment, source, destination, _verifyChecksums && !_frameChecksumTrusted, out var tcp, out error))
        {
            Drop((DropReason)error, "tcp");
            return;
        }
        if (multicast)
        {
            Drop(DropReason.NotForUs, "tcp", destination); // TCP is unicast only (RFC 9293 §3.9.1.1)
            return;
        }
        _counters.TcpSegmentsIn++;
        if (ecn != EcnCodepoint.NotEct)
            tcp = tcp with { Ecn = ecn };
        _tcp.Process(now, source, destination, tcp, segment.Payload);
    }

    partial void OnPathMtuLowered(Instant now, IPv6Address destination, int mtu) => _tcp.OnPathMtuLowered(now, destination, mtu);

    private Instant TcpPollAt()
    {
        var at = _tcp.PollAt();
        return at == Instant.Zero ? LastPollTime : at;
    }

    private bool DeliverTcpIcmpError(Instant now, in IPv4Repr ip, in IcmpRepr icmp, IPv4Address destination, ReadOnlySpan<byte> transport)
    {
        _ = ip;
        ushort sourcePort = (ushort)(transport[0] << 8 | transport[1]);
        ushort destinationPort = (ushort)(transport[2] << 8 | transport[3]);
        var seq = new SeqNumber((uint)(transport[4] << 24 | transport[5] << 16 | transport[6] << 8 | transport[7]));
        var tuple = new TcpFourTuple((NetAddress)Address, sourcePort, destination, destinationPort);
        if (_tcp.Find(tuple) is null)
            return false;
        var kind = TcpErrorFor(icmp);
        int mtu = kind == TcpIcmpError.FragmentationNeeded ? NextHopMtu(now, destination, icmp.NextHopMtu) : 0;
        // Only an error that quotes a segment in flight (RFC 5927 §4.1) may lower the destination's path MTU.
        if (_tcp.OnIcmpError(now, tuple, kind, seq, mtu) && mtu > 0 && _pathMtu4.Lower(now, destination, (uint)mtu, Mtu) is { } lowered)
        {
            Trace($"ipv4 path mtu to {destination} is {lowered}");
            _tcp.OnPathMtuLowered(now, destination, lowered); // RFC 1191 §6.2: every connection to it
        }
        return true;
    }

    /// <summary>
    /// The MTU a fragmentation needed reports: its next-hop MTU (RFC 1191 §4), or from a router too old to fill it in,
    /// the next plateau below the current estimate (RFC 1191 §5, §7 table).
    /// </summary>
    private int NextHopMtu(Instant now, IPv4Address destination, ushort reported)
    {
        if (reported != 0)
            return reported;
        int current = _pathMtu4.Get(now, destination, Mtu);
        ReadOnlySpan<int> plateaus = [32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, PathMtuCache.MinimumMtuIPv4];
        foreach (int plateau in plateaus)
        {
            if (plateau < current)
                return plateau;
        }
        return PathMtuCache.MinimumMtuIPv4;
    }

    /// <summary>The path MTU towards a TCP peer (RFC 1191 / RFC 8201 caches), which caps a new connection's MSS.</summary>
    private int PathMtuFor(NetAddress remote) => remote.IsIPv4
        ? _pathMtu4.Get(LastPollTime, remote, Mtu)
        : IsIPv6Enabled ? PathMtu(LastPollTime, remote.V6) : Mtu;

    /// <summary>The IPv4 path MTU towards <paramref name="destination"/> (RFC 1191), the link MTU when none was learned.</summary>
    internal int PathMtu(Instant now, IPv4Address destination) => _pathMtu4.Get(now, destination, Mtu);

    private static TcpIcmpError TcpErrorFor(in IcmpRepr icmp)
    {
        if (icmp.Type == IcmpType.TimeExceeded)
            return TcpIcmpError.TimeExceeded;
        if (icmp.Type == IcmpType.ParameterProblem)
            return TcpIcmpError.ParameterProblem; // Linux icmp_err_convert: EPROTO, fatal
        return (IcmpUnreachableCode)icmp.Code switch
        {
            IcmpUnreachableCode.NetUnreachable or IcmpUnreachableCode.NetUnknown or IcmpUnreachableCode.NetUnreachableForTos => TcpIcmpError.NetworkUnreachable,
            IcmpUnreachableCode.ProtocolUnreachable => TcpIcmpError.ProtocolUnreachable,
            IcmpUnreachableCode.PortUnreachable => TcpIcmpError.PortUnreachable,
            IcmpUnreachableCode.FragmentationNeeded => TcpIcmpError.FragmentationNeeded,
            IcmpUnreachableCode.NetProhibited or IcmpUnreachableCode.HostProhibited or IcmpUnreachableCode.CommunicationProhibited => TcpIcmpError.AdministrativelyProhibited,
            _ => TcpIcmpError.HostUnreachable,
        };
    }

    /// <summary>The socket layer's loop-side state, told when the stack goes away (loop thread; set by that layer).</summary>
    internal IStackShutdownListener? ShutdownListener { get; set; }

    private void ShutdownTcp()
    {
        // The TCP host holds no OS resources; connections die with the stack. Socket calls parked
        // inside a connection or listener (not in the command queue) are failed by their layer.
        ShutdownListener?.OnStackShutdown(new ObjectDisposedException(nameof(NetworkStack)));
    }
}
