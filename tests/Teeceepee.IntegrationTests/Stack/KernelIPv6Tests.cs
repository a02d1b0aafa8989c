using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Stack;

/// <summary>The IPv6 host against the Linux kernel in a namespace on a random fd00::/48: neighbour discovery and echo both ways.</summary>
public class KernelIPv6Tests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    [NetworkFact]
    public async Task Ping_BothWays_AlsoFragmented()
    {
        var (kernel, self) = KernelIPv6Network.RandomAddresses();
        await using var net = TestNetwork.CreateTap("v6ping");
        await using var stack = await KernelIPv6Network.StartAsync(net, kernel, self);

        var result = await net.RunAsync($"ping -6 -c 3 -i 0.2 -W 2 {self}", s_timeout);
        Assert.True(result.Succeeded, result.StandardOutput + result.StandardError + "\n" + stack.Trace);
        Assert.Contains("3 received", result.StandardOutput, StringComparison.Ordinal);
        var big = await net.RunAsync($"ping -6 -c 2 -i 0.2 -W 2 -s 4000 {self}", s_timeout);
        Assert.True(big.Succeeded, big.StandardOutput + big.StandardError + "\n" + stack.Trace);
        Assert.Contains("4008 bytes from", big.StandardOutput, StringComparison.Ordinal);

        var reply = await stack.Stack.PingAsync(kernel, 56, TimeSpan.FromSeconds(3));
        Assert.True(reply.Status == PingStatus.Success, $"{reply}\n{stack.Trace}");
        var fragmented = await stack.Stack.PingAsync(kernel, 4000, TimeSpan.FromSeconds(3));
        Assert.True(fragmented.Status == PingStatus.Success, $"{fragmented}\n{stack.Trace}");
        Assert.True(stack.Stack.Stats.IPv6DatagramsReassembled >= 3);
        Assert.Equal(IPv6AddressState.Preferred, stack.Stack.IPv6Addresses.Single(a => a.Origin == IPv6AddressOrigin.Static).State);
    }

    [NetworkFact]
    public async Task LinkLocal_SameTapStartedTwice_SameStableAddress_TheKernelReachesIt()
    {
        await using var net = TestNetwork.CreateTap("v6stab");
        net.Exec($"sysctl -qw net.ipv6.conf.{net.KernelDevice}.disable_ipv6=0");
        IPv6Address first;
        // Two starts with different seeds (so different MACs): RFC 7217 on the device's name and the host's key.
        await using (var stack = new RunningStack(net, o => o with { IPv6 = true, Seed = 1 }))
        {
            first = await LinkLocalAsync(stack);
            await KernelIPv6Network.WaitForPreferredAsync(stack, first);
            // -w: the kernel keeps sending until a reply or the deadline (its own link-local address passes DAD first).
            var ping = await net.RunAsync($"ping -6 -c 1 -i 0.5 -w 8 {first}%{net.KernelDevice}", s_timeout);
            Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError + "\n" + stack.Trace);
        }
        await using (var again = new RunningStack(net, o => o with { IPv6 = true, Seed = 2 }))
        {
            var second = await LinkLocalAsync(again);
            Assert.Equal(first, second);
            Assert.True(first.IsLinkLocal);
        }
    }

    /// <summary>The link-local address the stack forms at its loop's first poll.</summary>
    private static async Task<IPv6Address> LinkLocalAsync(RunningStack stack)
    {
        for (int i = 0; i < 500; i++)
        {
            foreach (var a in stack.Stack.IPv6Addresses)
            {
                if (a.Origin == IPv6AddressOrigin.LinkLocal)
                    return a.Address.Address;
            }
            await Task.Delay(10);
        }
        throw new TimeoutException($"no link-local address within 5 s\n{stack.Trace}");
    }
}
