using Teeceepee.IntegrationTests.Infrastructure;
using Teeceepee.Links;

namespace Teeceepee.IntegrationTests.Links;

public class ShortBufferTests
{
    [NetworkTheory]
    [InlineData(TestNetworkKind.Tap)]
    [InlineData(TestNetworkKind.Veth)]
    public void FrameLongerThanBuffer_DroppedNotOverrun(TestNetworkKind kind)
    {
        using var net = TestNetwork.Create(kind, "links");
        using var ping = net.StartProcess($"ping -c 3 -i 0.2 -W 1 {TestNetwork.StackAddress}");
        var small = new byte[20];
        long Dropped() => net.Link switch
        {
            TapLink tap => tap.OversizedDropped,
            RawSocketLink raw => raw.OversizedDropped,
            _ => 0,
        };
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && Dropped() == 0)
        {
            bool any = net.Link.TryReceive(Instant.Zero, small, out int length);
            Assert.False(any, $"a 42-byte ARP request must not come back as a truncated {length}-byte frame");
            Thread.Sleep(10);
        }
        Assert.True(Dropped() >= 1);
    }
}
