using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;

namespace Teeceepee.IntegrationTests.Links;

public class TunLinkTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [NetworkFact]
    public async Task KernelPing_ReadAsBareIpPacket_AndAnswered()
    {
        await using var net = TestNetwork.CreateTun("links");
        var link = Assert.IsType<TunLink>(net.Link);
        Assert.Equal(LinkMedium.IP, link.Capabilities.Medium);
        Assert.Equal(1500, link.Capabilities.MaxFrameLength);
        Assert.Null(net.KernelMac);

        using var ping = net.StartProcess($"ping -c 1 -W 5 {TestNetwork.StackAddress}");
        var packet = LinkWaiter.ReceiveMatching(link, p => Frames.IsEchoRequestTo(p, 0, TestNetwork.StackAddress), s_timeout);
        Assert.Equal(0x45, packet[0]);
        Assert.Equal(TestNetwork.KernelAddress.GetAddressBytes(), packet.AsSpan(12, 4).ToArray());

        Assert.True(link.TrySend(Instant.Zero, Frames.EchoReply(packet, 0)));
        Assert.Equal(0, await ping.WaitForExitAsync(s_timeout));
        Assert.Contains("1 received", ping.Output, StringComparison.Ordinal);
    }
}
