using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Links;

public class RawSocketLinkTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [NetworkFact]
    public async Task PeerFrames_Received_OwnFramesSkipped_RepliesWork()
    {
        await using var net = TestNetwork.CreateVeth("links");
        var link = Assert.IsType<RawSocketLink>(net.Link);
        var stackMac = link.Capabilities.HardwareAddress;
        Assert.NotNull(stackMac);
        string vethInfo = (await net.RunAsync(net.StackNamespace!, $"ip link show {net.StackDevice}", s_timeout)).EnsureSuccess().StandardOutput;
        Assert.Contains($"link/ether {stackMac}", vethInfo, StringComparison.Ordinal);

        using var ping = net.StartProcess($"ping -c 1 -W 5 {TestNetwork.StackAddress}");
        var request = LinkWaiter.ReceiveMatching(link, f => Frames.IsArpRequestFor(f, TestNetwork.StackAddress), s_timeout);
        Assert.Equal(net.KernelMac, Frames.Source(request));

        // The stack answers with the interface's MAC and its own IP.
        Assert.True(link.TrySend(Instant.Zero, Frames.ArpReply(request, stackMac.Value, TestNetwork.StackAddress)));
        var echo = LinkWaiter.ReceiveMatching(link, f => Frames.IsEchoRequestTo(f, 14, TestNetwork.StackAddress), s_timeout);
        Assert.Equal(stackMac, Frames.Destination(echo));
        Assert.True(link.TrySend(Instant.Zero, Frames.EchoReply(echo, 14)));
        Assert.Equal(0, await ping.WaitForExitAsync(s_timeout));
        Assert.Contains($"lladdr {stackMac}", net.Exec($"ip neigh show {TestNetwork.StackAddress}"), StringComparison.Ordinal);

        // Our own two transmissions never came back through TryReceive.
        var rest = LinkWaiter.ReceiveAll(link, TimeSpan.FromMilliseconds(200));
        Assert.DoesNotContain(rest, f => Frames.Source(f) == stackMac);
        Assert.Equal(2, link.SentFrames);
    }

    [NetworkFact]
    public void MissingInterface_ThrowsClearly()
    {
        using var net = TestNetwork.CreateVeth("links");
        var error = TestNetwork.InNamespace(net.StackNamespace!, () => Assert.Throws<LinkException>(() => new RawSocketLink("nosuch0")));
        Assert.Contains("No interface named 'nosuch0'", error.Message, StringComparison.Ordinal);
    }

    [NetworkFact]
    public void Mtu_FromInterface()
    {
        using var net = TestNetwork.CreateVeth("links", mtu: 1400);
        Assert.Equal(1400, net.Link.Capabilities.Mtu);
        Assert.Equal(1400, ((RawSocketLink)net.Link).DeviceMtu);
        short flags = TestNetwork.InNamespace(net.StackNamespace!, () => Teeceepee.Links.LinkDevice.GetFlags(net.StackDevice));
        Assert.NotEqual(0, flags & Teeceepee.Interop.LinuxConstants.IFF_UP);
    }

    [NetworkFact]
    public void PeerWithChecksumOffload_TcpChecksumCompletedByLink()
    {
        using var net = TestNetwork.CreateVeth("links", disableOffloads: false);
        var link = (RawSocketLink)net.Link;
        var stackMac = link.Capabilities.HardwareAddress!.Value;
        using var curl = net.StartProcess($"curl -s --max-time 5 http://{TestNetwork.StackAddress}:8080/");
        var request = LinkWaiter.ReceiveMatching(link, f => Frames.IsArpRequestFor(f, TestNetwork.StackAddress), s_timeout);
        Assert.True(link.TrySend(Instant.Zero, Frames.ArpReply(request, stackMac, TestNetwork.StackAddress)));
        var syn = LinkWaiter.ReceiveMatching(link, f => Frames.EtherType(f) == Frames.EtherTypeIPv4 && f.Length >= 54 && f[23] == 6, s_timeout);
        Assert.Equal(0x02, syn[14 + 20 + 13] & 0x02); // SYN
        Assert.True(Frames.TcpChecksumValid(syn), "the SYN's TCP checksum verifies");
        Assert.True(link.ChecksumsCompleted >= 1, "the kernel offloaded the checksum and the link completed it");
    }
}
