using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

public class SackScoreboardTests
{
    private static SeqNumber S(uint v) => new(v);

    [Fact]
    public void Add_MergesOverlappingAndAdjacentRanges()
    {
        var b = new SackScoreboard();
        Assert.True(b.Add(S(100), S(200)));
        Assert.True(b.Add(S(300), S(400)));
        Assert.False(b.Add(S(120), S(180)));
        Assert.Equal(2, b.Count);
        Assert.True(b.Add(S(200), S(300)));
        Assert.Equal(1, b.Count);
        Assert.Equal(300, b.SackedBytes);
        Assert.Equal(S(400), b.HighestSacked);
    }

    [Fact]
    public void Prune_DropsAndTrimsBelowUna()
    {
        var b = new SackScoreboard();
        b.Add(S(100), S(200));
        b.Add(S(300), S(400));
        b.Prune(S(350));
        Assert.Equal(1, b.Count);
        Assert.Equal(50, b.SackedBytes);
    }

    [Fact]
    public void Lookups_FindContainingRangeAndNextStart()
    {
        var b = new SackScoreboard();
        b.Add(S(100), S(200));
        b.Add(S(300), S(400));
        Assert.True(b.TryGetRangeContaining(S(150), out var right));
        Assert.Equal(S(200), right);
        Assert.False(b.TryGetRangeContaining(S(200), out _));
        Assert.True(b.TryGetNextRangeStart(S(200), out var left));
        Assert.Equal(S(300), left);
        Assert.False(b.TryGetNextRangeStart(S(300), out _));
    }

    [Fact]
    public void Add_IsBounded_AndWrapsAroundZero()
    {
        var b = new SackScoreboard();
        for (uint i = 0; i < 40; i++)
            b.Add(S(uint.MaxValue - 1000 + (i * 100)), S(uint.MaxValue - 1000 + (i * 100) + 50));
        Assert.Equal(SackScoreboard.MaxRanges, b.Count);
        Assert.Equal(SackScoreboard.MaxRanges * 50, b.SackedBytes);
    }

    [Fact]
    public void LostBoundary_MoreThanTwoSegmentsSackedAbove_IsLost()
    {
        // RFC 6675 §4 IsLost: more than (DupThresh - 1) * SMSS octets SACKed above the sequence number.
        var b = new SackScoreboard();
        b.Add(S(1100), S(1300)); // two 100-octet segments above 1000
        Assert.Equal(S(1000), b.LostBoundary(S(1000), 3, 100));
        Assert.False(b.IsLost(S(1000), 3, 100));
        b.Add(S(1300), S(1301));
        Assert.Equal(S(1100), b.LostBoundary(S(1000), 3, 100));
        Assert.True(b.IsLost(S(1000), 3, 100));
    }

    [Fact]
    public void LostBoundary_DupThreshDiscontiguousRangesAbove_IsLost()
    {
        // RFC 6675 §4 IsLost: DupThresh discontiguous SACKed sequences above, however short.
        var b = new SackScoreboard();
        b.Add(S(1100), S(1110));
        b.Add(S(1200), S(1210));
        Assert.False(b.IsLost(S(1000), 3, 100));
        b.Add(S(1300), S(1310));
        Assert.Equal(S(1100), b.LostBoundary(S(1000), 3, 100));
        Assert.False(b.IsLost(S(1150), 3, 100)); // only two ranges above 1150
    }

    [Fact]
    public void SackedBytesBetween_CountsOnlyTheOverlap()
    {
        var b = new SackScoreboard();
        b.Add(S(100), S(200));
        b.Add(S(300), S(400));
        Assert.Equal(0, b.SackedBytesBetween(S(0), S(100)));
        Assert.Equal(50, b.SackedBytesBetween(S(150), S(250)));
        Assert.Equal(100, b.SackedBytesBetween(S(150), S(350)));
        Assert.Equal(200, b.SackedBytesBetween(S(0), S(1000)));
    }

    [Fact]
    public void FirstRange_RentsStorage_PruneBeyondTheLast_ReturnsIt()
    {
        // Issue 13 item 2: nothing SACKed above SND.UNA holds no arrays; the next SACK rents them again.
        var b = new SackScoreboard();
        Assert.False(b.HasStorage);
        b.Add(S(100), S(200));
        b.Add(S(300), S(400));
        Assert.True(b.HasStorage);
        b.Prune(S(350));
        Assert.True(b.HasStorage);
        b.Prune(S(400));
        Assert.Equal(0, b.Count);
        Assert.False(b.HasStorage);
        Assert.True(b.Add(S(500), S(600)));
        Assert.Equal(100, b.SackedBytes);
        Assert.Equal(S(600), b.HighestSacked);
        b.Clear();
        Assert.False(b.HasStorage);
        Assert.Equal(0, b.SackedBytesBetween(S(0), S(1000)));
    }
}
