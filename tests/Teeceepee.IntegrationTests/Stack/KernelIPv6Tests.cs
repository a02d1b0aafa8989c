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
}
