using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.IntegrationTests.Stack;
using Teeceepee.Links;
using Teeceepee.Stack;

namespace Teeceepee.IntegrationTests.Performance;

/// <summary>The stack on a TAP opened with offloads: kernel TCP super-frames arrive as single large segments with trusted partial checksums.</summary>
public class OffloadStackTests
{
    [NetworkFact]
    public async Task KernelUploads_OverOffloadTap_StackTakesSuperFramesAndEveryByte()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offstk");
        var tap = Assert.IsType<TapLink>(net.Link);
        await using var stack = new RunningStack(net);
        var data = RandomNumberGenerator.GetBytes(4_000_000);
        var received = await KernelBulkTransfer.UploadToStackAsync(net, stack.Stack, RunningStack.Self, data, 7777);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
        Assert.True(tap.SuperFramesReceived > 0, "the kernel sent no super-frame");
        var stats = stack.Stack.Stats;
        Assert.Equal(0, stats.Drops[DropReason.BadChecksum]);
        Assert.Equal(0, stats.Drops[DropReason.FrameTooLong]);
        // Fewer frames than MSS-sized segments: super-frames carried several segments each.
        Assert.True(stats.TcpSegmentsIn < data.Length / 1448, $"{stats.TcpSegmentsIn} segments for {data.Length} octets");
    }

    [NetworkFact]
    public async Task StackUploads_OverOffloadTap_KernelReceivesEveryByte()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offstk");
        await Stack.KernelTcpTests.StackUpload_KernelReceivesEveryByteAsync(net);
    }

    [NetworkFact]
    public async Task StackSends_OverOffloadTap_InSuperSegments_KernelReceivesEveryByte()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offtso");
        var tap = Assert.IsType<TapLink>(net.Link);
        await using var stack = new RunningStack(net);
        var data = RandomNumberGenerator.GetBytes(16_000_000);
        var received = await KernelBulkTransfer.SendToKernelAsync(net, stack.Stack, RunningStack.Self, RunningStack.Kernel, data, 7779);
        Assert.True(SHA256.HashData(data).AsSpan().SequenceEqual(received), $"SHA-256 differs\n{stack.Trace}");

        // TSO: the kernel cut our super-frames at the MSS. Far fewer frames than wire segments left the stack.
        var stats = stack.Stack.Stats;
        Assert.True(tap.SuperFramesSent > 0, "no super-frame was sent");
        Assert.Equal(tap.SuperFramesSent, stats.SuperFramesOut);
        Assert.True(stats.TcpSegmentsOut >= data.Length / 1448, $"{stats.TcpSegmentsOut} wire segments");
        Assert.True(stats.FramesOut * 4 < stats.TcpSegmentsOut, $"{stats.FramesOut} frames for {stats.TcpSegmentsOut} wire segments");
        Assert.Equal(0, tap.SendFailures);
    }

    [NetworkFact]
    public async Task BothWays_OverOffloadTapWithFaults_SuperFramesCutBeforeTheFaults_EveryByteArrives()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offflt");
        var tap = Assert.IsType<TapLink>(net.Link);
        var faults = FaultInjector.Symmetric(tap, new FaultOptions { Loss = 0.01, Reorder = 0.01 }, seed: 7);
        Assert.Equal(LinkOffloads.TransmitChecksum | LinkOffloads.TransmitSegmentation, faults.Capabilities.Offloads);
        await using var stack = new NetworkStack(faults, new NetworkStackOptions { Address = RunningStack.Self, PrefixLength = TestNetwork.PrefixLength });
        stack.Start();

        // Stack to kernel: the stack's super-frames are cut in software, then each wire frame meets the faults.
        var up = RandomNumberGenerator.GetBytes(4_000_000);
        var received = await KernelBulkTransfer.SendToKernelAsync(net, stack, RunningStack.Self, RunningStack.Kernel, up, 7780);
        Assert.True(SHA256.HashData(up).AsSpan().SequenceEqual(received), "stack to kernel: SHA-256 differs");
        Assert.True(stack.Stats.SuperFramesOut > 0, "the stack sent no super-segment");
        Assert.True(faults.Outbound.Lost > 0, "no outbound loss was injected");

        // Kernel to stack: the kernel's GSO super-frames are cut before the faults too, so the stack gets plain frames.
        var down = RandomNumberGenerator.GetBytes(4_000_000);
        var got = await KernelBulkTransfer.UploadToStackAsync(net, stack, RunningStack.Self, down, 7781);
        Assert.True(SHA256.HashData(down).AsSpan().SequenceEqual(SHA256.HashData(got)), $"kernel to stack: SHA-256 differs ({got.Length} octets)");
        Assert.True(tap.SuperFramesReceived > 0, "the kernel sent no super-frame");
        Assert.True(faults.SuperFramesCut > stack.Stats.SuperFramesOut, "received super-frames were not cut");
        Assert.Equal(0, stack.Stats.Drops[DropReason.FrameTooLong]);
        Assert.Equal(0, stack.Stats.Drops[DropReason.BadChecksum]);
    }
}
