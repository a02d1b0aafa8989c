using System.Buffers.Binary;
using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// What the stack hands a link with transmit offloads: TCP super-segments as one IPv4 datagram with a
/// <see cref="LinkGsoType.TcpV4"/> descriptor, other TCP segments with a partial checksum, complete checksums on loopback,
/// and descriptors that survive a wait for ARP.
/// </summary>
public class TransmitOffloadTests
{
    private static readonly IPv4Address s_addressA = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_addressB = IPv4Address.Parse("198.18.0.2");

    [Fact]
    public async Task SuperSegment_IsOneDatagramWithTheDescriptorTheKernelExpects()
    {
        await using var pair = new Pair();
        var (client, server) = pair.Connect();
        var data = RandomNumberGenerator.GetBytes(2_000_000);
        var received = pair.Transfer(client, server, data);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));

        var supers = pair.LinkA.Sent.Where(f => f.Offload.GsoType == LinkGsoType.TcpV4).ToList();
        Assert.NotEmpty(supers);
        int mss = client.SendMss;
        foreach (var (frame, offload) in supers)
        {
            var ip = frame.AsSpan(14);
            int tcpHeader = (ip[20 + 12] >> 4) * 4;
            // virtio_net_hdr: NEEDS_CSUM from the TCP header, checksum field at +16, hdr_len up to the payload, gso_size = MSS.
            Assert.Equal(LinkOffloadFlags.NeedsChecksum, offload.Flags);
            Assert.Equal(14 + 20, offload.ChecksumStart);
            Assert.Equal(16, offload.ChecksumOffset);
            Assert.Equal(14 + 20 + tcpHeader, offload.HeaderLength);
            Assert.Equal(mss, offload.SegmentSize);
            // One IPv4 datagram over the MTU, never fragmented, DF set, within 64 KiB.
            Assert.Equal(frame.Length - 14, BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
            Assert.True(frame.Length > 1514 && frame.Length - 14 <= 65535);
            Assert.Equal(0x4000, BinaryPrimitives.ReadUInt16BigEndian(ip[6..]));
            Assert.Equal(0, Checksum.Compute(ip[..20]));
            // Whole MSS multiples: the transfer keeps the send buffer full, so no short tail.
            Assert.Equal(0, (frame.Length - offload.HeaderLength) % mss);
        }
        // The link gives a super-frame's wire segments consecutive ids from the datagram's: the next datagram skips them.
        var ipFrames = pair.LinkA.Sent.Where(f => BinaryPrimitives.ReadUInt16BigEndian(f.Frame.AsSpan(12)) == (ushort)EtherType.IPv4).ToList();
        for (int i = 1; i < ipFrames.Count; i++)
        {
            var (previous, offload) = ipFrames[i - 1];
            int segments = offload.GsoType == LinkGsoType.None ? 1 : (previous.Length - offload.HeaderLength + mss - 1) / mss;
            ushort expected = unchecked((ushort)(BinaryPrimitives.ReadUInt16BigEndian(previous.AsSpan(18)) + segments));
            Assert.Equal(expected, BinaryPrimitives.ReadUInt16BigEndian(ipFrames[i].Frame.AsSpan(18)));
        }
        var stats = pair.A.Stats;
        Assert.Equal(supers.Count, stats.SuperFramesOut);
        Assert.True(stats.TcpSegmentsOut > stats.FramesOut * 5, $"{stats.TcpSegmentsOut} wire segments in {stats.FramesOut} frames");
        Assert.Equal(0, pair.B.Stats.Drops[DropReason.BadChecksum]);
    }

    [Fact]
    public async Task OrdinarySegments_CarryPartialChecksumsForTheLink()
    {
        await using var pair = new Pair();
        var (client, server) = pair.Connect();
        pair.Transfer(client, server, new byte[100]);
        var tcpFrames = pair.LinkA.Sent.Where(f => f.Frame.Length > 34 && f.Frame[14 + 9] == (byte)IpProtocol.Tcp).ToList();
        Assert.NotEmpty(tcpFrames);
        foreach (var (frame, offload) in tcpFrames)
        {
            Assert.Equal(LinkGsoType.None, offload.GsoType);
            Assert.Equal(LinkOffload.TcpChecksumPartial(34), offload);
            // The field holds the pseudo-header sum: completing it gives a checksum that verifies.
            var copy = (byte[])frame.Clone();
            Assert.True(offload.TryCompleteChecksum(copy));
            Assert.True(TcpSegment.TryParse(copy.AsSpan(34), out var segment, out _));
            Assert.True(segment.VerifyChecksum(s_addressA, s_addressB));
        }
    }

    [Fact]
    public async Task TransmitOffloadsOff_SendsCompleteChecksumsWithoutDescriptors()
    {
        await using var pair = new Pair(configureA: o => o with { TransmitOffloads = false });
        var (client, server) = pair.Connect();
        var data = RandomNumberGenerator.GetBytes(300_000);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(pair.Transfer(client, server, data)));
        Assert.All(pair.LinkA.Sent, f => Assert.True(f.Offload.IsNone));
        Assert.Equal(0, pair.A.Stats.SuperFramesOut);
    }

    [Fact]
    public async Task SuperSegmentWaitingForArp_KeepsItsDescriptor()
    {
        // Mappings live 2 s: after a silence the next data waits for a fresh resolution.
        await using var pair = new Pair(configureA: o => o with { ArpReachableTime = TimeSpan.FromSeconds(2), ArpRefreshBefore = TimeSpan.FromMilliseconds(100) });
        var (client, server) = pair.Connect();
        pair.Transfer(client, server, new byte[1000]);
        pair.Idle(TimeSpan.FromSeconds(5));
        int mark = pair.LinkA.Sent.Count;
        var data = RandomNumberGenerator.GetBytes(200_000);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(pair.Transfer(client, server, data)));

        var after = pair.LinkA.Sent.Skip(mark).ToList();
        int request = after.FindIndex(f => BinaryPrimitives.ReadUInt16BigEndian(f.Frame.AsSpan(12)) == (ushort)EtherType.Arp);
        Assert.True(request >= 0, "no new ARP resolution");
        Assert.Equal(0, pair.A.Stats.Drops[DropReason.ArpResolutionFailed]);
        // The first data the resolution released is a super-frame that kept its TSO descriptor in the ARP queue.
        var firstData = after.Skip(request + 1).First(f => f.Frame.Length > 100 && f.Frame[14 + 9] == (byte)IpProtocol.Tcp);
        Assert.Equal(LinkGsoType.TcpV4, firstData.Offload.GsoType);
        Assert.Equal(0, pair.B.Stats.Drops[DropReason.BadChecksum]);
    }

    [Fact]
    public async Task Loopback_WithOffloadLink_CarriesCompleteChecksums()
    {
        await using var pair = new Pair();
        var listener = pair.A.Tcp.Listen(new TcpEndpoint(s_addressA, 6000));
        var client = pair.A.Tcp.Connect(pair.Now, s_addressA, new TcpEndpoint(s_addressA, 6000));
        Tcb? server = null;
        pair.RunUntil(() => listener.TryAccept(out server));
        var data = RandomNumberGenerator.GetBytes(500_000);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(pair.Transfer(client, server!, data)));
        Assert.Equal(0, pair.A.Stats.Drops[DropReason.BadChecksum]);
        Assert.DoesNotContain(pair.LinkA.Sent, f => f.Frame.Length > 34 && f.Frame[14 + 9] == (byte)IpProtocol.Tcp);
    }

    /// <summary>A (on a link that offers transmit offloads and records each descriptor) and B, on virtual time.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly MemoryLink _a;
        private readonly MemoryLink _b;

        public Pair(Func<NetworkStackOptions, NetworkStackOptions>? configureA = null)
        {
            (_a, _b) = MemoryLink.CreatePair(withReadinessFd: false);
            LinkA = new RecordingOffloadLink(_a);
            var options = new NetworkStackOptions { Address = s_addressA, Seed = 1, Name = "A" };
            A = new NetworkStack(LinkA, configureA is null ? options : configureA(options));
            B = new NetworkStack(_b, new NetworkStackOptions { Address = s_addressB, Seed = 2, Name = "B" });
        }

        public RecordingOffloadLink LinkA { get; }
        public NetworkStack A { get; }
        public NetworkStack B { get; }
        public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);

        public (Tcb Client, Tcb Server) Connect()
        {
            var listener = B.Tcp.Listen(new TcpEndpoint(s_addressB, 5001));
            var client = A.Tcp.Connect(Now, s_addressA, new TcpEndpoint(s_addressB, 5001));
            Tcb? server = null;
            RunUntil(() => listener.TryAccept(out server) && client.State == TcpState.Established);
            return (client, server!);
        }

        public byte[] Transfer(Tcb client, Tcb server, byte[] data)
        {
            var received = new MemoryStream();
            var chunk = new byte[65536];
            int sent = 0;
            RunUntil(() =>
            {
                if (sent < data.Length)
                    sent += client.Send(data.AsSpan(sent));
                int n;
                while ((n = server.Receive(chunk)) > 0)
                    received.Write(chunk, 0, n);
                return received.Length == data.Length;
            });
            return received.ToArray();
        }

        public void Idle(TimeSpan duration) => RunUntil(() => false, duration);

        public void RunUntil(Func<bool> done, TimeSpan? limit = null)
        {
            var end = Now + (limit ?? TimeSpan.FromSeconds(60));
            while (!done())
            {
                A.Poll(Now);
                B.Poll(Now);
                if (_a.PendingFrames > 0 || _b.PendingFrames > 0)
                    continue;
                var next = Instant.Min(A.PollAt(), B.PollAt());
                if (next > end)
                {
                    Assert.True(limit is not null, "the run did not finish in time");
                    Now = end;
                    return;
                }
                Now = next > Now ? next : Now + TimeSpan.FromMicroseconds(10);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            _a.Dispose();
            _b.Dispose();
        }
    }

    /// <summary>Offers transmit offloads, records every frame with its descriptor, and carries them out in software.</summary>
    private sealed class RecordingOffloadLink(MemoryLink inner) : ILink
    {
        private readonly SoftwareOffloadLink _software = new(inner);

        public List<(byte[] Frame, LinkOffload Offload)> Sent { get; } = [];

        public LinkCapabilities Capabilities => _software.Capabilities;

        public int ReadinessFd => -1;

        public Instant NextDeadline => Instant.MaxValue;

        public bool TryReceive(Instant now, Span<byte> buffer, out int length, out LinkOffload offload) =>
            inner.TryReceive(now, buffer, out length, out offload);

        public bool TrySend(Instant now, in LinkFrame frame)
        {
            var copy = new byte[frame.Length];
            frame.CopyTo(copy);
            Sent.Add((copy, frame.Offload));
            return _software.TrySend(now, frame);
        }

        public void Dispose()
        {
        }
    }
}
