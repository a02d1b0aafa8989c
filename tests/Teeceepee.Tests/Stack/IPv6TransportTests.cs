using System.Net;
using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Sockets;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Tests.Simulations;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>TCP and UDP over IPv6 between two stacks on virtual time: byte-exact transfers, dual-stack listening, path MTU.</summary>
public class IPv6TransportTests
{
    private static readonly IPv6Address A6 = IPv6Address.Parse("fd00:6:3::1");
    private static readonly IPv6Address B6 = IPv6Address.Parse("fd00:6:3::2");

    private static Simulation Create(FaultOptions? faults = null, int seed = 1, Func<ILink, ILink>? wrapA = null) => new(
        configureA: o => o with { IPv6Addresses = [new IPv6AddressPrefix(A6, 64)] },
        configureB: o => o with { IPv6Addresses = [new IPv6AddressPrefix(B6, 64)] },
        faults: faults, seed: seed, wrapA: wrapA);

    /// <summary>
    /// SACK as seen on A's side of the wire: holes B reported (SACK blocks above the cumulative ACK, RFC 2018 §3; D-SACKs,
    /// at or below it, RFC 2883, are not holes) and A's retransmissions into a hole below a block SACKed before (RFC 6675 §5).
    /// </summary>
    private static (int HolesReported, int HolesFilled) SackOnTheWire(List<(Instant At, bool Out, byte[] Frame)> frames)
    {
        int reported = 0, filled = 0;
        SeqNumber? highestSacked = null, sentEnd = null;
        foreach (var (_, outbound, frame) in frames)
        {
            if (!EthernetFrame.TryParse(frame, out var eth, out _) || eth.EtherType != EtherType.IPv6
                || !IPv6Packet.TryParse(eth.Payload, out var ip, out _) || ip.NextHeader != IpProtocol.Tcp
                || !TcpSegment.TryParse(ip.Payload, out var segment, out _)
                || !TcpRepr.TryParse(segment, ip.Source, ip.Destination, verifyChecksum: true, out var tcp, out _))
                continue;
            if (!outbound && tcp.AckNumber is { } ack)
            {
                for (int i = 0; i < tcp.SackBlocks.Count; i++)
                {
                    var block = tcp.SackBlocks[i];
                    if (block.Left <= ack)
                        continue;
                    reported++;
                    if (highestSacked is null || block.Right > highestSacked.Value)
                        highestSacked = block.Right;
                }
            }
            else if (outbound && tcp.PayloadLength > 0)
            {
                var end = tcp.SeqNumber + tcp.PayloadLength;
                if (sentEnd is { } sent && tcp.SeqNumber < sent && highestSacked is { } sacked && tcp.SeqNumber < sacked)
                    filled++;
                if (sentEnd is null || end > sentEnd.Value)
                    sentEnd = end;
            }
        }
        return (reported, filled);
    }

    private static byte[] Transfer(Simulation sim, Tcb client, Tcb server, int size, TimeSpan limit)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var received = sim.Transfer(client, server, data, limit);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        return data;
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.02, 2)]
    [InlineData(0.05, 3)]
    public async Task Tcp_OverIPv6_WithFaults_ArrivesIntact_WithTheIPv6Mss_LossesRepairedFromSack(double loss, int seed)
    {
        FrameRecorder? wire = null;
        await using var sim = Create(new FaultOptions { Loss = loss, Duplicate = loss / 2, Reorder = loss }, seed, link => wire = new FrameRecorder(link));
        sim.Run(TimeSpan.FromSeconds(2)); // DAD
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(B6, 80));
        var client = sim.A.Tcp.Connect(sim.Now, A6, new TcpEndpoint(B6, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(30)));
        Assert.Equal(1500 - 60 - 12, client.SendMss); // RFC 8200 §8.3: MTU - 60, less the timestamps option

        Transfer(sim, client, server!, 300_000, TimeSpan.FromSeconds(120));
        Assert.Equal(0, sim.A.Stats.IPv6FragmentsOut);
        Assert.True(sim.B.Stats.TcpSegmentsIn > 200);

        // SACK (RFC 2018) negotiated over IPv6 and used: B reports the holes loss leaves, A's recovery (RFC 6675) fills them.
        var info = client.GetInfo();
        Assert.True(info.Sack, "SACK was not negotiated");
        var (reported, filled) = SackOnTheWire(wire!.Frames);
        if (loss == 0)
        {
            Assert.Equal(0, reported);
            return;
        }
        Assert.True(reported > 0, "B's ACKs reported no hole");
        Assert.True(filled > 0, $"no retransmission below a SACKed block ({reported} holes reported, {info.Retransmits} retransmissions)");
        Assert.True(info.FastRetransmits > 0, "the sender never entered fast recovery");
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.02, 4)]
    public async Task Tcp_OverIPv6_LinkOffersTso_SendsTcpV6SuperSegments_ArrivesIntact(double loss, int seed)
    {
        // A's link offers TSO (done in software, before the faults): A builds TCP/IPv6 super-segments (LinkGsoType.TcpV6).
        SoftwareOffloadLink? gso = null;
        await using var sim = new Simulation(
            configureA: o => o with { IPv6Addresses = [new IPv6AddressPrefix(A6, 64)] },
            configureB: o => o with { IPv6Addresses = [new IPv6AddressPrefix(B6, 64)] },
            faults: loss > 0 ? new FaultOptions { Loss = loss, Reorder = loss } : null, seed: seed,
            wrapA: link => gso = new SoftwareOffloadLink(link));
        sim.Run(TimeSpan.FromSeconds(2)); // DAD
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(B6, 80));
        var client = sim.A.Tcp.Connect(sim.Now, A6, new TcpEndpoint(B6, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(30)));

        var data = Transfer(sim, client, server!, 2_000_000, TimeSpan.FromSeconds(120));

        var a = sim.A.Stats;
        Assert.True(a.SuperFramesOut > 0, "A sent no super-segment");
        Assert.Equal(a.SuperFramesOut, gso!.SuperFramesCut);
        Assert.Equal(0, gso.Rejected);
        Assert.Equal(0, a.IPv6FragmentsOut);
        Assert.True(a.TcpSegmentsOut >= data.Length / client.SendMss, $"{a.TcpSegmentsOut} wire segments");
        if (loss == 0)
            Assert.True(a.FramesOut * 4 < a.TcpSegmentsOut, $"{a.FramesOut} frames for {a.TcpSegmentsOut} wire segments");
        // B saw MSS-sized wire segments with valid checksums only.
        Assert.Equal(0, sim.B.Stats.Drops[DropReason.BadChecksum]);
        Assert.Equal(0, sim.B.Stats.Drops[DropReason.FrameTooLong]);
    }

    [Fact]
    public async Task Tcp_ProgressThroughANeighbour_KeepsItReachable_NoUnicastProbesForMinutes()
    {
        // RFC 4861 §7.3.1: TCP's progress confirms the neighbour, so a long conversation does not send an NS every
        // ReachableTime + DELAY (35 s) as it would with neighbour unreachability detection alone.
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2)); // DAD
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(B6, 80));
        var client = sim.A.Tcp.Connect(sim.Now, A6, new TcpEndpoint(B6, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(30)));
        long solicitationsA = sim.A.Stats.Icmpv6Out[(byte)Icmpv6Type.NeighborSolicitation];
        long solicitationsB = sim.B.Stats.Icmpv6Out[(byte)Icmpv6Type.NeighborSolicitation];

        // Three minutes of one byte each way per second: both stacks keep sending to each other's neighbour entry.
        var buffer = new byte[16];
        for (int second = 0; second < 180; second++)
        {
            Assert.Equal(1, client.Send([(byte)second]));
            Assert.True(sim.RunUntil(() => server!.Receive(buffer) == 1, TimeSpan.FromSeconds(1)));
            Assert.Equal(1, server!.Send([(byte)second]));
            Assert.True(sim.RunUntil(() => client.Receive(buffer) == 1, TimeSpan.FromSeconds(1)));
            sim.Run(TimeSpan.FromSeconds(1) - TimeSpan.FromMilliseconds(2));
        }

        Assert.Equal(solicitationsA, sim.A.Stats.Icmpv6Out[(byte)Icmpv6Type.NeighborSolicitation]);
        Assert.Equal(solicitationsB, sim.B.Stats.Icmpv6Out[(byte)Icmpv6Type.NeighborSolicitation]);
        Assert.Equal(TcpState.Established, client.State);
    }

    [Fact]
    public async Task Udp_ConversationThroughANeighbour_GivesNoHint_UnicastProbeEveryReachableTimePlusDelay()
    {
        // The control for the TCP test above: UDP carries no reachability hint, so each side's entry goes
        // REACHABLE → STALE (30 s) → DELAY (5 s) → PROBE and a unicast NS confirms it (RFC 4861 §7.3.3).
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2)); // DAD
        using var server = new UdpSocket(sim.B, 5353);
        using var client = new UdpSocket(sim.A, 0);
        var buffer = new byte[16];
        sim.Await(client.SendToAsync(new byte[1], new IPEndPoint(B6.ToIPAddress(), 5353)));
        sim.Await(server.ReceiveFromAsync(buffer));
        long solicitationsA = sim.A.Stats.Icmpv6Out[(byte)Icmpv6Type.NeighborSolicitation];

        for (int second = 0; second < 180; second++)
        {
            sim.Await(client.SendToAsync(new byte[] { (byte)second }, new IPEndPoint(B6.ToIPAddress(), 5353)));
            Assert.Equal(1, sim.Await(server.ReceiveFromAsync(buffer)).ReceivedBytes);
            sim.Run(TimeSpan.FromSeconds(1));
        }

        long probes = sim.A.Stats.Icmpv6Out[(byte)Icmpv6Type.NeighborSolicitation] - solicitationsA;
        Assert.InRange(probes, 180 / 36, 180 / 34 + 1);
        Assert.Equal(0, sim.A.Stats.Drops[DropReason.NeighborResolutionFailed]);
    }

    [Fact]
    public async Task Listener_OnIPv6Any_AcceptsBothFamilies_IPv4PeerSeenMapped()
    {
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2));
        var listener = new TcpConnectionListener(sim.B, new IPEndPoint(IPAddress.IPv6Any, 8080));
        listener.Start();
        var accept6 = listener.AcceptAsync();
        await using var c6 = new TcpConnection(sim.A);
        var connect6 = c6.ConnectAsync(new IPEndPoint(B6.ToIPAddress(), 8080));
        await using var s6 = sim.Await(accept6);
        Assert.True(sim.RunUntil(() => connect6.IsCompleted, TimeSpan.FromSeconds(5)));

        var accept4 = listener.AcceptAsync();
        await using var c4 = new TcpConnection(sim.A);
        var connect4 = c4.ConnectAsync(new IPEndPoint(Simulation.AddressB.ToIPAddress(), 8080));
        await using var s4 = sim.Await(accept4);

        Assert.Equal(A6.ToIPAddress(), s6.RemoteEndPoint!.Address);
        Assert.Equal(Simulation.AddressA.ToIPAddress().MapToIPv6(), s4.RemoteEndPoint!.Address);
        Assert.True(s4.RemoteEndPoint.Address.IsIPv4MappedToIPv6);
        await listener.DisposeAsync();
    }

    [Fact]
    public async Task Listener_OnIPv4Any_StaysIPv4Only_IPv6SynIsRefused()
    {
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2));
        sim.B.Tcp.Listen(new TcpEndpoint(NetAddress.IPv4Any, 80));
        var client = sim.A.Tcp.Connect(sim.Now, A6, new TcpEndpoint(B6, 80));
        Assert.True(sim.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(5)));
        Assert.Equal(TcpError.ConnectionRefused, client.Error);
    }

    [Fact]
    public async Task Udp_OverIPv6_RoundTrips_AndClosedPortAnswersPortUnreachable()
    {
        await using var sim = Create();
        sim.Run(TimeSpan.FromSeconds(2));
        using var server = new UdpSocket(sim.B, 5353);
        using var client = new UdpSocket(sim.A, 0);
        var payload = RandomNumberGenerator.GetBytes(3000); // fragmented: 3008 octets over a 1500 MTU
        var buffer = new byte[4000];
        var receive = server.ReceiveFromAsync(buffer);
        sim.Await(client.SendToAsync(payload, new IPEndPoint(B6.ToIPAddress(), 5353)));
        var result = sim.Await(receive);
        Assert.Equal(payload, buffer.AsSpan(0, result.ReceivedBytes).ToArray());
        Assert.Equal((NetAddress)A6, result.RemoteAddress);
        Assert.Equal(1, sim.B.Stats.IPv6DatagramsReassembled);

        sim.Await(client.SendToAsync(payload.AsMemory(0, 10), new IPEndPoint(B6.ToIPAddress(), 9)));
        sim.Run(TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, sim.B.Stats.Icmpv6Out[(byte)Icmpv6Type.DestinationUnreachable]);
    }
}
