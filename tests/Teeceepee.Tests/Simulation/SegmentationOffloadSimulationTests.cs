using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// TCP segmentation offload end to end on virtual time: both stacks see a link offering TSO and build super-segments,
/// which <see cref="SoftwareOffloadLink"/> cuts into wire frames before the seeded faults (loss, reorder, duplicates,
/// corruption, delay, bottlenecks). Every byte must arrive intact, as in <see cref="SeededTransferTests"/>.
/// </summary>
public class SegmentationOffloadSimulationTests
{
    public static TheoryData<int> Seeds => SimSeeds.Range(1, 40);

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Transfer_BothWays_WithSuperSegmentsUnderFaults_ArrivesIntact(int seed)
    {
        var scenario = TransferScenario.FromSeed(seed) with { SegmentationOffload = true };
        var outcome = await TransferRun.ExecuteAsync(scenario);
        if (!outcome.Ended || !outcome.Complete || outcome.Failed || outcome.Corrupted || !outcome.Drained)
        {
            var traced = await TransferRun.ExecuteAsync(scenario, trace: true, 400);
            Assert.Fail($"Transfer failed.\n{outcome}\n--- traced replay ---\n{traced}");
        }
        Assert.True(outcome.SuperFrames > 0, $"no super-segment was sent\n{outcome}");
    }

    [Fact]
    public async Task BulkTransfer_CleanWire_SendsFarFewerFramesThanWireSegments()
    {
        await using var net = new SimNetwork(5, FaultOptions.None, TcpConfig.Default with { Msl = TimeSpan.FromSeconds(1) }, segmentationOffload: true);
        var data = RandomNumberGenerator.GetBytes(8 << 20);
        var listener = net.TcpB.Listen(new TcpEndpoint(SimNetwork.AddressB, 5001));
        var client = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 5001));
        Tcb? server = null;
        int sent = 0;
        var received = new MemoryStream();
        var chunk = new byte[64 * 1024];
        net.RunUntilOrFail(() =>
        {
            if (client.State == TcpState.Established && sent < data.Length)
            {
                sent += client.Send(data.AsSpan(sent));
                if (sent == data.Length)
                    client.Shutdown();
            }
            if (server is null)
                listener.TryAccept(out server);
            int n;
            while (server is not null && (n = server.Receive(chunk)) > 0)
                received.Write(chunk, 0, n);
            return server is { IsReceiveFinished: true };
        }, TimeSpan.FromMinutes(2), "the transfer");

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received.ToArray()));
        var stats = net.A.Stats;
        var info = client.GetInfo();
        Assert.True(stats.SuperFramesOut > 0);
        // Counted as on the wire, yet handed over as far fewer frames.
        Assert.True(stats.TcpSegmentsOut >= data.Length / client.SendMss, $"{stats.TcpSegmentsOut} segments");
        Assert.True(stats.FramesOut * 5 < stats.TcpSegmentsOut, $"{stats.FramesOut} frames for {stats.TcpSegmentsOut} segments");
        Assert.True(info.SegmentsSent >= data.Length / client.SendMss, $"{info.SegmentsSent}");
        Assert.Equal(0, info.Retransmits);
        // The receiver saw only MSS-sized wire segments with valid checksums.
        Assert.True(net.B.Stats.TcpSegmentsIn >= data.Length / client.SendMss);
        Assert.Equal(0, net.B.Stats.Drops[DropReason.BadChecksum]);
        Assert.Equal(0, net.B.Stats.Drops[DropReason.FrameTooLong]);
        Assert.Equal(0, net.B.Stats.FragmentsIn);
    }

    [Fact]
    public async Task ManyFlowsOnASlowLoop_ShortPath_EachFrameCarriesAtLeastHalfTheOffloadSize()
    {
        // `serve` with 200 downloads at zero delay: each flow measures a min RTT of 1–3 ms (the 1 ms timestamp clock and
        // the loop's own turn), below the 4 ms from which window-based flows are paced, while the loop's longer turns
        // grow SRTT, so 1 ms of a flow's window rate is a few MSS. Here 16 flows each keep ≥ 64 KB queued; A's loop turns
        // every 2 ms (min RTT 2 ms), then every 100 ms. An unpaced flow's window leaves back to back whatever its pieces,
        // so they stay as large as the window allows; with Linux's min-RTT term (1/8 of the offload size at 2 ms) and
        // 1 ms of the rate they were a fraction of it.
        const int Flows = 16;
        // A 128 KB receive buffer bounds each flow's window per turn to two full super-segments.
        var config = TcpConfig.Default with { Msl = TimeSpan.FromSeconds(1), ReceiveBufferSize = 128 * 1024 };
        await using var net = new SimNetwork(7, FaultOptions.None, config, segmentationOffload: true);
        net.WarmUpArp();
        var listener = net.TcpB.Listen(new TcpEndpoint(SimNetwork.AddressB, 5001));
        var clients = new Tcb[Flows];
        for (int i = 0; i < Flows; i++)
            clients[i] = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 5001));
        var servers = new List<Tcb>();
        var data = new byte[256 * 1024];
        var sink = new byte[64 * 1024];
        long received = 0;
        bool Step()
        {
            foreach (var client in clients)
            {
                if (client.State == TcpState.Established)
                    client.Send(data); // keeps the send buffer topped up: always ≥ 64 KB queued
            }
            while (listener.TryAccept(out var accepted))
                servers.Add(accepted);
            foreach (var server in servers)
            {
                int n;
                while ((n = server.Receive(sink)) > 0)
                    received += n;
            }
            return false;
        }
        net.TurnA = TimeSpan.FromMilliseconds(2);
        net.RunUntil(Step, TimeSpan.FromMilliseconds(300));
        net.TurnA = TimeSpan.FromMilliseconds(100);
        net.RunUntil(Step, TimeSpan.FromMilliseconds(400)); // SRTT grows toward the longer turn
        var before = net.A.Stats;
        long receivedBefore = received;
        net.RunUntil(Step, TimeSpan.FromSeconds(1));
        var after = net.A.Stats;

        long frames = after.FramesOut - before.FramesOut;
        long bytes = after.BytesOut - before.BytesOut;
        Assert.True(received - receivedBefore > 10_000_000, $"{received - receivedBefore} octets in 1 s");
        Assert.All(clients, c => Assert.True(c.GetInfo().MinRtt < TimeSpan.FromMilliseconds(4), $"min RTT {c.GetInfo().MinRtt}"));
        Assert.All(clients, c => Assert.True(c.GetInfo().SmoothedRtt > TimeSpan.FromMilliseconds(20), $"SRTT {c.GetInfo().SmoothedRtt}"));
        Assert.All(clients, c => Assert.Equal(0, c.CurrentPacingRate));
        Assert.All(clients, c => Assert.Equal(0, c.GetInfo().Retransmits));
        Assert.True(bytes / frames >= net.TcpA.SegmentationOffloadLimit / 2,
            $"{bytes / frames} octets per frame ({frames} frames), offload size {net.TcpA.SegmentationOffloadLimit}");
    }

    [Fact]
    public async Task TransmitOffloadsOff_StackKeepsToOneMss()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var link = new SoftwareOffloadLink(a);
        using var other = b;
        await using var on = new NetworkStack(link, new NetworkStackOptions { Address = SimNetwork.AddressA });
        await using var off = new NetworkStack(link, new NetworkStackOptions { Address = SimNetwork.AddressA, TransmitOffloads = false });
        Assert.True(on.Tcp.SegmentationOffloadLimit > 60_000);
        Assert.Equal(0, off.Tcp.SegmentationOffloadLimit);
        // TSO6 too, its IPv6 packet within 64 KiB behind the longest TCP header.
        Assert.Equal(65535 - 40 - 60, on.Tcp.SegmentationOffloadLimitIPv6);
        Assert.Equal(0, off.Tcp.SegmentationOffloadLimitIPv6);
    }
}
