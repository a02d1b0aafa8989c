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
