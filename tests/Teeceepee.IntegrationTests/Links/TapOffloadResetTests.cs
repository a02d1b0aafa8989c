using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Links;

/// <summary>
/// Offloads belong to a TAP device, not to one open of it: a persistent TAP keeps those an earlier reader asked for.
/// A plain open must turn them off, or the kernel goes on sending partial checksums the stack cannot verify.
/// </summary>
public class TapOffloadResetTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private static readonly IPv4Address s_self = IPv4Address.Parse("198.18.1.2");
    private static readonly IPv4Address s_kernel = IPv4Address.Parse("198.18.1.1");

    [NetworkFact]
    public async Task PersistentTap_OpenedWithOffloadsThenPlain_KernelUploadArrivesByteExact()
    {
        // The namespace comes from a test network; the persistent TAP is a second device inside it, on its own /24.
        await using var net = TestNetwork.CreateTap("offrst");
        const string Device = "poff0";
        net.Exec($"ip tuntap add dev {Device} mode tap && ip addr add {s_kernel}/24 dev {Device} && ip link set {Device} up");

        var offloads = TestNetwork.InNamespace(net.Namespace, () =>
        {
            using var first = new TapLink(Device); // the default: offloads on
            return first.Capabilities.Offloads;
        });
        Assert.NotEqual(LinkOffloads.None, offloads);

        var plain = TestNetwork.InNamespace(net.Namespace, () => new TapLink(Device, offloads: false));
        Assert.Equal(LinkOffloads.None, plain.Capabilities.Offloads);
        Assert.False(plain.CreatedDevice);
        var trace = new List<string>();
        await using var stack = new NetworkStack(plain, new NetworkStackOptions
        {
            Address = s_self,
            PrefixLength = 24,
            Trace = line =>
            {
                lock (trace)
                    trace.Add(line);
            },
        });
        stack.Start();
        var listener = await stack.InvokeAsync((s, _) => s.Tcp.Listen(new TcpEndpoint(s_self, 7790)));
        string file = Path.Combine(Path.GetTempPath(), $"teeceepee-offrst-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var data = RandomNumberGenerator.GetBytes(1_000_000);
        await File.WriteAllBytesAsync(file, data);
        try
        {
            using var upload = net.StartProcess($"socat -u OPEN:{file} TCP4:{s_self}:7790");
            var received = await Stack.KernelTcpTests.ReceiveAllAsync(stack, listener);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));
            Assert.Equal(0, await upload.WaitForExitAsync(s_timeout));
            Assert.Equal(0, stack.Stats.Drops[DropReason.BadChecksum]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
