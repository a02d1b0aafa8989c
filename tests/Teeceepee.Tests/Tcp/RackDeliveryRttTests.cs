using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// RTT samples from RACK's per-segment send times when the timestamp echo is ambiguous (RFC 6298 §3, Karn's rule):
/// only segments sent once give one, the cumulative ACK's oldest newly acknowledged first, else the newest newly SACKed.
/// </summary>
public class RackDeliveryRttTests
{
    private static readonly SeqNumber Base = new(1_000);

    private static Instant Ms(int ms) => Instant.FromMilliseconds(ms);

    private static TcpSackBlocks Blocks(params (int From, int To)[] ranges)
    {
        var blocks = new TcpSackBlocks();
        foreach (var (from, to) in ranges)
            blocks.TryAdd(new TcpSackBlock(Base + from, Base + to));
        return blocks;
    }

    [Fact]
    public void CumulativeAck_OfSegmentsSentOnce_TimesTheOldestNewlyAcked()
    {
        var rack = new Rack();
        rack.OnSend(Base, Base + 100, Ms(0));
        rack.OnSend(Base + 100, Base + 200, Ms(10));
        Assert.True(rack.TryDeliveryRtt(Ms(30), Base + 200, default, out var rtt));
        Assert.Equal(TimeSpan.FromMilliseconds(30), rtt);
    }

    [Fact]
    public void CumulativeAck_CoveringARetransmission_GivesNoSample_ButANewlySackedOriginalDoes()
    {
        // Karn: [0,100) went twice, so the ACK covering it may answer either copy; [200,300), sent once at 25 ms and
        // SACKed by this same ACK, is unambiguous: 40 - 25 = 15 ms.
        var rack = new Rack();
        rack.OnSend(Base, Base + 100, Ms(0));
        rack.OnSend(Base + 100, Base + 200, Ms(10));
        rack.OnSend(Base, Base + 100, Ms(20)); // retransmission
        rack.OnSend(Base + 200, Base + 300, Ms(25));
        Assert.False(rack.TryDeliveryRtt(Ms(40), Base + 100, default, out _));
        Assert.True(rack.TryDeliveryRtt(Ms(40), Base + 100, Blocks((200, 300)), out var rtt));
        Assert.Equal(TimeSpan.FromMilliseconds(15), rtt);
    }

    [Fact]
    public void SackBlock_AlreadySackedOrRetransmitted_GivesNoSample_CumulativeSkipsTheSacked()
    {
        var rack = new Rack();
        rack.OnSend(Base, Base + 100, Ms(0));
        rack.OnSend(Base + 100, Base + 200, Ms(10));
        rack.OnSend(Base + 200, Base + 300, Ms(12));
        var ctx = Rack.BeginAck(null, 0, TimeSpan.Zero);
        rack.OnSack(ref ctx, Ms(30), Base + 100, Base + 200); // SACKed at an earlier ACK
        rack.OnSend(Base + 200, Base + 300, Ms(35));           // retransmitted
        Assert.False(rack.TryDeliveryRtt(Ms(50), Base, Blocks((100, 200), (200, 300)), out _));
        // The cumulative ACK skips the SACKed record and finds the one sent once below it.
        Assert.True(rack.TryDeliveryRtt(Ms(50), Base + 200, default, out var rtt));
        Assert.Equal(TimeSpan.FromMilliseconds(50), rtt);
    }
}
