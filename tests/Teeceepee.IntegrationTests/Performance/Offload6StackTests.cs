using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.IntegrationTests.Stack;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Performance;

/// <summary>
/// IPv6 bulk TCP against the kernel over a TAP, with offloads (TUN_F_TSO6: TCP/IPv6 super-frames both ways) and without,
/// byte-exact (SHA-256), on a random fd00::/48 per run.
/// </summary>
public class Offload6StackTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static (IPv6Address Kernel, IPv6Address Stack) Addresses()
    {
        Span<byte> id = stackalloc byte[8];
        RandomNumberGenerator.Fill(id);
        ulong prefix = (0xFDUL << 56) | (BitConverter.ToUInt64(id) & 0x00FF_FFFF_FFFF_0000UL);
        return (new IPv6Address(prefix, 1), new IPv6Address(prefix, 2));
    }

    [NetworkTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BothWays_OverIPv6_KernelAndStack_EveryByteArrives(bool offloads)
    {
        var (kernel, self) = Addresses();
        await using var net = offloads ? TestNetwork.CreateTapWithOffloads("off6") : TestNetwork.CreateTap("off6");
        var tap = Assert.IsType<TapLink>(net.Link);
        Assert.Equal(offloads, tap.Capabilities.Offloads != LinkOffloads.None);
        net.Exec($"sysctl -qw net.ipv6.conf.{net.KernelDevice}.disable_ipv6=0");
        net.Exec($"ip -6 addr add {kernel}/64 dev {net.KernelDevice} nodad");
        await using var stack = new RunningStack(net, o => o with { IPv6Addresses = [new IPv6AddressPrefix(self, 64)] });
        await Task.Delay(1500); // DAD

        // Stack to kernel: with TSO6 the stack hands the TAP TCP/IPv6 super-frames, which the kernel cuts at the MSS.
        var up = RandomNumberGenerator.GetBytes(16_000_000);
        var received = await SendToKernelAsync(net, stack.Stack, self, kernel, up, 7790);
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
        var listener = await stack.Stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(self, 7791)));
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-off6-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var down = RandomNumberGenerator.GetBytes(16_000_000);
        await File.WriteAllBytesAsync(file, down);
        try
        {
            using var upload = net.StartProcess($"socat -u OPEN:{file} TCP6:[{self}]:7791");
            var got = await KernelTcpTests.ReceiveAllAsync(stack.Stack, listener);
            Assert.True(SHA256.HashData(down).AsSpan().SequenceEqual(SHA256.HashData(got)), $"kernel to stack: SHA-256 differs ({got.Length} octets)");
            Assert.Equal(0, await upload.WaitForExitAsync(s_timeout));
        }
        finally
        {
            File.Delete(file);
        }
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

    /// <summary>Sends <paramref name="data"/> from the stack to a kernel socat sink on [kernel]:port; returns the SHA-256 of what the kernel wrote.</summary>
    private static async Task<byte[]> SendToKernelAsync(TestNetwork net, NetworkStack stack, IPv6Address self, IPv6Address kernel, byte[] data, int port)
    {
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-tso6-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var sink = net.StartProcess($"socat -u TCP6-LISTEN:{port},bind=[{kernel}] CREATE:{file}");
            await net.WaitForTcpListenerAsync(port, s_timeout);
            var client = await stack.InvokeAsync((s, now) => s.Tcp.Connect(now, self, new TcpEndpoint(kernel, (ushort)port)));
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
