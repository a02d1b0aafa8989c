using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.IntegrationTests.Stack;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Performance;

/// <summary>The stack on a TAP opened with offloads: kernel TCP super-frames arrive as single large segments with trusted partial checksums.</summary>
public class OffloadStackTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [NetworkFact]
    public async Task KernelUploads_OverOffloadTap_StackTakesSuperFramesAndEveryByte()
    {
        await using var net = TestNetwork.CreateTapWithOffloads("offstk");
        var tap = Assert.IsType<TapLink>(net.Link);
        await using var stack = new RunningStack(net);
        var listener = await stack.Stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(RunningStack.Self, 7777)));
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-offload-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var data = RandomNumberGenerator.GetBytes(4_000_000);
        await File.WriteAllBytesAsync(file, data);
        try
        {
            using var upload = net.StartProcess($"socat -u OPEN:{file} TCP4:{TestNetwork.StackAddress}:7777");
            var received = await Stack.KernelTcpTests.ReceiveAllAsync(stack.Stack, listener);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
            Assert.Equal(0, await upload.WaitForExitAsync(s_timeout));
            Assert.True(tap.SuperFramesReceived > 0, "the kernel sent no super-frame");
            var stats = stack.Stack.Stats;
            Assert.Equal(0, stats.Drops[DropReason.BadChecksum]);
            Assert.Equal(0, stats.Drops[DropReason.FrameTooLong]);
            // Fewer frames than MSS-sized segments: super-frames carried several segments each.
            Assert.True(stats.TcpSegmentsIn < data.Length / 1448, $"{stats.TcpSegmentsIn} segments for {data.Length} octets");
        }
        finally
        {
            File.Delete(file);
        }
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
        var received = await SendToKernelAsync(net, stack.Stack, data, 7779);
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
        var received = await SendToKernelAsync(net, stack, up, 7780);
        Assert.True(SHA256.HashData(up).AsSpan().SequenceEqual(received), "stack to kernel: SHA-256 differs");
        Assert.True(stack.Stats.SuperFramesOut > 0, "the stack sent no super-segment");
        Assert.True(faults.Outbound.Lost > 0, "no outbound loss was injected");

        // Kernel to stack: the kernel's GSO super-frames are cut before the faults too, so the stack gets plain frames.
        var listener = await stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(RunningStack.Self, 7781)));
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-offflt-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var down = RandomNumberGenerator.GetBytes(4_000_000);
        await File.WriteAllBytesAsync(file, down);
        try
        {
            using var upload = net.StartProcess($"socat -u OPEN:{file} TCP4:{TestNetwork.StackAddress}:7781");
            var got = await Stack.KernelTcpTests.ReceiveAllAsync(stack, listener);
            Assert.True(SHA256.HashData(down).AsSpan().SequenceEqual(SHA256.HashData(got)), $"kernel to stack: SHA-256 differs ({got.Length} octets)");
            Assert.Equal(0, await upload.WaitForExitAsync(s_timeout));
        }
        finally
        {
            File.Delete(file);
        }
        Assert.True(tap.SuperFramesReceived > 0, "the kernel sent no super-frame");
        Assert.True(faults.SuperFramesCut > stack.Stats.SuperFramesOut, "received super-frames were not cut");
        Assert.Equal(0, stack.Stats.Drops[DropReason.FrameTooLong]);
        Assert.Equal(0, stack.Stats.Drops[DropReason.BadChecksum]);
    }

    /// <summary>Sends <paramref name="data"/> from the stack to a kernel socat sink on <paramref name="port"/>; returns the SHA-256 of what the kernel wrote.</summary>
    private static async Task<byte[]> SendToKernelAsync(TestNetwork net, NetworkStack stack, byte[] data, int port)
    {
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-tso-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var sink = net.StartProcess($"socat -u TCP4-LISTEN:{port},bind={TestNetwork.KernelAddress} CREATE:{file}");
            await net.WaitForTcpListenerAsync(port, s_timeout);
            var client = await stack.InvokeAsync((s, now) => s.Tcp.Connect(now, RunningStack.Self, new TcpEndpoint(RunningStack.Kernel, (ushort)port)));
            int sent = 0;
            var deadline = DateTime.UtcNow + s_timeout;
            while (sent < data.Length && DateTime.UtcNow < deadline)
            {
                int n = await stack.InvokeAsync((_, _) => client.State == TcpState.Established ? client.Send(data.AsSpan(sent)) : 0);
                sent += n;
                if (n == 0)
                    await Task.Delay(1);
            }
            Assert.Equal(data.Length, sent);
            await stack.InvokeAsync((_, _) =>
            {
                client.Close();
                return 0;
            });
            Assert.Equal(0, await sink.WaitForExitAsync(s_timeout));
            return SHA256.HashData(await File.ReadAllBytesAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
