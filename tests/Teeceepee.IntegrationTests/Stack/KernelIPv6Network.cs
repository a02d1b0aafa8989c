using System.Diagnostics;
using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>
/// IPv6 on a test network: a random fd00::/48 per test (RFC 4193 §3.2, subnet 0) with the kernel at ::1 and the stack at
/// ::2, the kernel end's address, and a started stack whose address has passed DAD.
/// </summary>
internal static class KernelIPv6Network
{
    /// <summary>The kernel's and the stack's addresses in a fresh random fd00::/48.</summary>
    public static (IPv6Address Kernel, IPv6Address Stack) RandomAddresses()
    {
        Span<byte> id = stackalloc byte[8];
        RandomNumberGenerator.Fill(id);
        ulong prefix = (0xFDUL << 56) | (BitConverter.ToUInt64(id) & 0x00FF_FFFF_FFFF_0000UL);
        return (new IPv6Address(prefix, 1), new IPv6Address(prefix, 2));
    }

    /// <summary>Turns IPv6 on at the kernel end of <paramref name="net"/> and gives it <paramref name="address"/>/64 (no DAD).</summary>
    public static void AddKernelAddress(TestNetwork net, IPv6Address address)
    {
        net.Exec($"sysctl -qw net.ipv6.conf.{net.KernelDevice}.disable_ipv6=0");
        net.Exec($"ip -6 addr add {address}/64 dev {net.KernelDevice} nodad");
    }

    /// <summary>The kernel end at <paramref name="kernel"/>, a stack at <paramref name="self"/>/64 started on the network's link, once its address is preferred.</summary>
    public static async Task<RunningStack> StartAsync(TestNetwork net, IPv6Address kernel, IPv6Address self,
        Func<NetworkStackOptions, NetworkStackOptions>? configure = null)
    {
        AddKernelAddress(net, kernel);
        var stack = new RunningStack(net, o =>
        {
            var options = o with { IPv6Addresses = [new IPv6AddressPrefix(self, 64)] };
            return configure is null ? options : configure(options);
        });
        await WaitForPreferredAsync(stack, self);
        return stack;
    }

    /// <summary>Waits (up to 10 s) until <paramref name="address"/> passed DAD on the stack.</summary>
    public static async Task WaitForPreferredAsync(RunningStack stack, IPv6Address address)
    {
        var watch = Stopwatch.StartNew();
        while (!stack.Stack.IPv6Addresses.Any(a => a.Address.Address == address && a.State == IPv6AddressState.Preferred))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"DAD of {address} did not end within 10 s\n{stack.Trace}");
            await Task.Delay(20);
        }
    }
}
