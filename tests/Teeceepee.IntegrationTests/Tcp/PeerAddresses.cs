using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>The test network's two ends (TestNetwork: the kernel at .1, the stack at .2).</summary>
internal static class PeerAddresses
{
    public static readonly IPv4Address Kernel = IPv4Address.FromIPAddress(TestNetwork.KernelAddress);
    public static readonly IPv4Address Stack = IPv4Address.FromIPAddress(TestNetwork.StackAddress);
}
