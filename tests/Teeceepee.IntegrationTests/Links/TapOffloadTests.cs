using System.Buffers.Binary;
using System.Globalization;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Links;

/// <summary>
/// TAP offloads (IFF_VNET_HDR, TUN_F_CSUM | TUN_F_TSO4) against the kernel: its TCP hands us GSO super-frames
/// with partial checksums, and takes our TSO super-frames. The TCP side is built by hand, segment by segment.
/// </summary>
public class TapOffloadTests
{
    private static readonly MacAddress s_ourMac = MacAddress.Parse("02:00:00:00:be:ef");
    private static readonly IPv4Address s_us = IPv4Address.Parse("198.18.0.2");
    private static readonly IPv4Address s_kernel = IPv4Address.Parse("198.18.0.1");
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [NetworkFact]
    public async Task KernelSender_SendsSuperFramesWithPartialChecksums_ThatCompleteToValidSegments()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offl");
        var link = Assert.IsType<TapLink>(net.Link);
        Assert.Equal(LinkOffloads.ReceiveChecksum | LinkOffloads.ReceiveSegmentation | LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation,
            link.Capabilities.Offloads);

        using var client = net.StartProcess(
            "python3 -c \"import socket,time; s=socket.create_connection(('198.18.0.2', 5001)); s.sendall(b'z'*200000); time.sleep(5)\"");
        var peer = new HandTcp(link, net.KernelMac!.Value);
        peer.AnswerArp();
        var syn = peer.Expect(static (in TcpRepr t) => t.Control == TcpControl.Syn);
        var ourIsn = new SeqNumber(1_000_000);
        // MSS only (no timestamps): the kernel's segments carry 1460 octets.
        peer.Send(new TcpRepr
        {
            SourcePort = 5001, DestinationPort = syn.SourcePort, Control = TcpControl.Syn, SeqNumber = ourIsn,
            AckNumber = syn.SeqNumber + 1, WindowLength = 65535, MaxSegmentSize = 1460,
        });

        // The first flight (initial window of 10 segments) comes as super-frames.
        long payload = 0;
        LinkOffload superOffload = default;
        int superLength = 0;
        var deadline = DateTime.UtcNow + s_timeout;
        while (superLength == 0 && DateTime.UtcNow < deadline)
        {
            if (!peer.TryNext(out var frame, out var offload, out var tcp, out int tcpPayload))
                continue;
            payload += tcpPayload;
            if (offload.GsoType == LinkGsoType.TcpV4)
            {
                superOffload = offload;
                superLength = frame.Length;
                // The partial checksum completes to a valid one, as the kernel would have sent it.
                Assert.True(offload.TryCompleteChecksum(frame));
                Assert.True(Frames.TcpChecksumValid(frame.ToArray()));
                Assert.Equal(syn.SeqNumber + 1, tcp.SeqNumber);
            }
        }

        Assert.True(superLength > 1514, $"no super-frame in the first flight ({payload} payload octets seen)");
        Assert.Equal(LinkOffloadFlags.NeedsChecksum, superOffload.Flags & LinkOffloadFlags.NeedsChecksum);
        Assert.Equal(1460, superOffload.SegmentSize);
        Assert.Equal(14 + 20, superOffload.ChecksumStart);
        Assert.Equal(16, superOffload.ChecksumOffset);
        Assert.Equal(14 + 20 + 20, superOffload.HeaderLength);
        Assert.True(link.SuperFramesReceived >= 1);
    }

    [NetworkFact]
    public async Task SuperFrameWeSend_ReachesTheKernelSocketWhole()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offl");
        var link = Assert.IsType<TapLink>(net.Link);
        const int Length = 40_000;
        using var server = net.StartProcess(
            "python3 -c \"import socket,hashlib; l=socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
            + "l.bind(('198.18.0.1', 5002)); l.listen(); c,_=l.accept(); b=b''\n"
            + $"while len(b) < {Length}:\n  d=c.recv(65536)\n  if not d: break\n  b+=d\n"
            + "print('got', len(b), hashlib.sha256(b).hexdigest(), flush=True)\"");
        await net.WaitForTcpListenerAsync(5002, s_timeout);

        var peer = new HandTcp(link, net.KernelMac!.Value);
        // Make the kernel resolve us first (it answers our SYN-ACK by ARP).
        var isn = new SeqNumber(7_000_000);
        peer.SendArpRequest();
        peer.Send(new TcpRepr
        {
            SourcePort = 40000, DestinationPort = 5002, Control = TcpControl.Syn, SeqNumber = isn,
            WindowLength = 65535, MaxSegmentSize = 1460,
        });
        var synAck = peer.Expect(static (in TcpRepr t) => t.Control == TcpControl.Syn && t.AckNumber is not null, answerArp: true);
        Assert.Equal(isn + 1, synAck.AckNumber);
        var ack = new TcpRepr
        {
            SourcePort = 40000, DestinationPort = 5002, SeqNumber = isn + 1, AckNumber = synAck.SeqNumber + 1, WindowLength = 65535,
        };
        peer.Send(ack);

        // One 40 000-octet segment with a partial checksum, for the kernel to take as TSO at MSS 1460.
        var data = new byte[Length];
        new Random(5).NextBytes(data);
        var superSegment = ack with { Push = true, PayloadLength = Length };
        peer.Send(superSegment, data, LinkOffload.TcpSegmentation(14 + 20, 14 + 20 + superSegment.HeaderLength, 1460));
        Assert.Equal(1, link.SuperFramesSent);

        // The kernel acknowledges all of it and the socket reads every octet.
        var acked = peer.Expect((in TcpRepr t) => t.AckNumber == isn + 1 + Length, answerArp: true);
        Assert.Equal(TcpControl.None, acked.Control);
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        await server.WaitForOutputAsync($"got {Length} {expected}", s_timeout);
    }

    /// <summary>A hand-driven TCP endpoint at 198.18.0.2 on the TAP.</summary>
    private sealed class HandTcp(TapLink link, MacAddress kernelMac)
    {
        private readonly byte[] _buffer = new byte[70_000];
        private ushort _ipId = 1;

        public delegate bool SegmentMatch(in TcpRepr segment);

        public void AnswerArp()
        {
            var request = LinkWaiter.ReceiveMatching(link, f => Frames.IsArpRequestFor(f, TestNetwork.StackAddress), s_timeout);
            Assert.True(link.TrySend(Instant.Zero, Frames.ArpReply(request, s_ourMac, TestNetwork.StackAddress)));
        }

        public void SendArpRequest()
        {
            var frame = new byte[14 + ArpRepr.HeaderLength];
            new EthernetRepr(s_ourMac, MacAddress.Broadcast, EtherType.Arp).Emit(frame);
            new ArpRepr
            {
                Operation = ArpOperation.Request, SenderHardwareAddress = s_ourMac, SenderProtocolAddress = s_us,
                TargetHardwareAddress = default, TargetProtocolAddress = s_kernel,
            }.Emit(frame.AsSpan(14));
            Assert.True(link.TrySend(Instant.Zero, frame));
        }

        public void Send(in TcpRepr segment) => Send(segment, [], LinkOffload.None);

        public void Send(in TcpRepr segment, ReadOnlySpan<byte> payload, in LinkOffload offload)
        {
            int tcpLength = segment.HeaderLength + payload.Length;
            var frame = new byte[14 + 20 + tcpLength];
            new EthernetRepr(s_ourMac, kernelMac, EtherType.IPv4).Emit(frame);
            new IPv4Repr
            {
                Source = s_us, Destination = s_kernel, Protocol = IpProtocol.Tcp, PayloadLength = tcpLength,
                TimeToLive = 64, DontFragment = true, Identification = _ipId++,
            }.Emit(frame.AsSpan(14));
            segment.Emit(frame.AsSpan(34), payload, s_us, s_kernel, partialChecksum: !offload.IsNone);
            Assert.True(link.TrySend(Instant.Zero, frame, offload));
        }

        /// <summary>The next TCP segment from the kernel matching <paramref name="match"/> (answering ARP on the way if asked).</summary>
        public TcpRepr Expect(SegmentMatch match, bool answerArp = false)
        {
            var deadline = DateTime.UtcNow + s_timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (!link.TryReceive(Instant.Zero, _buffer, out int length, out var offload))
                {
                    Thread.Sleep(1);
                    continue;
                }
                var frame = _buffer.AsSpan(0, length);
                if (answerArp && length >= 42 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == (ushort)EtherType.Arp
                    && Frames.IsArpRequestFor(frame.ToArray(), TestNetwork.StackAddress))
                {
                    Assert.True(link.TrySend(Instant.Zero, Frames.ArpReply(frame.ToArray(), s_ourMac, TestNetwork.StackAddress)));
                    continue;
                }
                if (TryParse(frame, offload, out var tcp, out _) && match(tcp))
                    return tcp;
            }
            throw new TimeoutException("the expected segment did not come");
        }

        /// <summary>Polls one frame; true with its TCP header and payload length if it is TCP.</summary>
        public bool TryNext(out Span<byte> frame, out LinkOffload offload, out TcpRepr tcp, out int payloadLength)
        {
            tcp = default;
            payloadLength = 0;
            if (!link.TryReceive(Instant.Zero, _buffer, out int length, out offload))
            {
                frame = default;
                Thread.Sleep(1);
                return false;
            }
            frame = _buffer.AsSpan(0, length);
            if (!TryParse(frame, offload, out tcp, out payloadLength))
                return false;
            return true;
        }

        private static bool TryParse(ReadOnlySpan<byte> frame, in LinkOffload offload, out TcpRepr tcp, out int payloadLength)
        {
            tcp = default;
            payloadLength = 0;
            if (!EthernetFrame.TryParse(frame, out var eth, out _) || !EthernetRepr.TryParse(eth, out var ethRepr, out _)
                || ethRepr.EtherType != EtherType.IPv4 || !IPv4Packet.TryParse(eth.Payload, out var ip, out _)
                || !IPv4Repr.TryParse(ip, out var ipRepr, out _) || ipRepr.Protocol != IpProtocol.Tcp
                || !TcpSegment.TryParse(ip.Payload, out var segment, out _)
                || !TcpRepr.TryParse(segment, ipRepr.Source, ipRepr.Destination, verifyChecksum: !offload.ChecksumTrusted, out tcp, out _))
            {
                return false;
            }
            payloadLength = segment.Payload.Length;
            return true;
        }
    }
}
