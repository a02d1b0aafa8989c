using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.IntegrationTests.Stack;
using Teeceepee.Links;
using Teeceepee.Stack;

namespace Teeceepee.IntegrationTests.Performance;

/// <summary>
/// IPv6 bulk TCP against the kernel over a TAP, with offloads (TUN_F_TSO6: TCP/IPv6 super-frames both ways) and without,
/// byte-exact (SHA-256), on a random fd00::/48 per run.
/// </summary>
public class Offload6StackTests
{
    [NetworkTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BothWays_OverIPv6_KernelAndStack_EveryByteArrives(bool offloads)
    {
        var (kernel, self) = KernelIPv6Network.RandomAddresses();
        await using var net = offloads ? TestNetwork.CreateTapWithOffloads("off6") : TestNetwork.CreateTap("off6");
        var tap = Assert.IsType<TapLink>(net.Link);
        Assert.Equal(offloads, tap.Capabilities.Offloads != LinkOffloads.None);
        await using var stack = await KernelIPv6Network.StartAsync(net, kernel, self);

        // Stack to kernel: with TSO6 the stack hands the TAP TCP/IPv6 super-frames, which the kernel cuts at the MSS.
        var up = RandomNumberGenerator.GetBytes(16_000_000);
        var received = await KernelBulkTransfer.SendToKernelAsync(net, stack.Stack, self, kernel, up, 7790);
        Assert.True(SHA256.HashData(up).AsSpan().SequenceEqual(received), $"stack to kernel: SHA-256 differs\n{stack.Trace}");
        var stats = stack.Stack.Stats;
        Assert.Equal(0, tap.SendFailures);
        Assert.Equal(0, stats.IPv6FragmentsOut);
        if (offloads)
        {
            Assert.True(tap.SuperFramesSent > 0, "no TCP/IPv6 super-frame was sent");
            Assert.Equal(tap.SuperFramesSent, stats.SuperFramesOut);
            Assert.True(stats.FramesOut * 4 < stats.TcpSegmentsOut, $"{stats.FramesOut} frames for {stats.TcpSegmentsOut} wire segments");
        }
        else
        {
            Assert.Equal(0, stats.SuperFramesOut);
        }

        // Kernel to stack: with offloads the kernel hands over TCP/IPv6 super-frames (GSO) with partial checksums.
        var down = RandomNumberGenerator.GetBytes(16_000_000);
        var got = await KernelBulkTransfer.UploadToStackAsync(net, stack.Stack, self, down, 7791);
        Assert.True(SHA256.HashData(down).AsSpan().SequenceEqual(SHA256.HashData(got)), $"kernel to stack: SHA-256 differs ({got.Length} octets)");
        stats = stack.Stack.Stats;
        Assert.Equal(0, stats.Drops[DropReason.BadChecksum]);
        Assert.Equal(0, stats.Drops[DropReason.FrameTooLong]);
        if (offloads)
        {
            Assert.True(tap.SuperFramesReceived > 0, "the kernel sent no TCP/IPv6 super-frame");
            Assert.True(stats.TcpSegmentsIn < down.Length / 1428, $"{stats.TcpSegmentsIn} segments for {down.Length} octets");
        }
        else
        {
            Assert.Equal(0, tap.SuperFramesReceived);
        }
    }
}
