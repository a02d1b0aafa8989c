using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

public class RetransmitLogTests
{
    private static SeqNumber S(uint v) => new(v);

    [Fact]
    public void Add_ExtendsAContinuationAndCountsWhatIsInFlight()
    {
        var log = new RetransmitLog();
        log.Add(S(100), S(200));
        log.Add(S(200), S(300));
        log.Add(S(500), S(600));
        Assert.Equal(2, log.Count);
        Assert.Equal(300, log.InFlight(S(0), null));
        Assert.True(log.TryGetContaining(S(250), out var end));
        Assert.Equal(S(300), end);
        Assert.True(log.TryGetNextStart(S(300), out var next));
        Assert.Equal(S(500), next);
    }

    [Fact]
    public void LastEntryGone_ByAckLossOrClear_ReturnsStorage()
    {
        // Issue 13 item 2: a connection out of recovery holds no arrays; the next recovery rents them again.
        var log = new RetransmitLog();
        Assert.False(log.HasStorage);
        log.Add(S(100), S(200));
        log.Add(S(300), S(400));
        Assert.True(log.HasStorage);
        log.Update(S(250), null);
        Assert.True(log.HasStorage);
        log.Update(S(400), null); // SND.UNA passed both
        Assert.Equal(0, log.Count);
        Assert.False(log.HasStorage);

        log.Add(S(500), S(600));
        log.Remove(S(500), S(600)); // found lost: no longer in flight
        Assert.False(log.HasStorage);

        log.Add(S(700), S(800));
        Assert.True(log.DropOldest());
        Assert.False(log.HasStorage);
        Assert.False(log.DropOldest());

        log.Add(S(900), S(1000));
        log.Clear();
        Assert.False(log.HasStorage);
        Assert.Equal(0, log.InFlight(S(0), null));
    }

    [Fact]
    public void SackedWhole_Update_DropsTheEntryAndReturnsStorage()
    {
        var log = new RetransmitLog();
        var scoreboard = new SackScoreboard();
        log.Add(S(100), S(200));
        scoreboard.Add(S(100), S(200));
        log.Update(S(50), scoreboard);
        Assert.Equal(0, log.Count);
        Assert.False(log.HasStorage);
    }
}
