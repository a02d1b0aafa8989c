using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class SeqNumberTests
{
    [Fact]
    public void Comparison_WrapsAroundZero()
    {
        var nearMax = new SeqNumber(0xFFFF_FFF0);
        var afterWrap = nearMax + 0x20;
        Assert.Equal(0x10u, afterWrap.Value);
        Assert.True(nearMax < afterWrap);
        Assert.True(afterWrap > nearMax);
        Assert.Equal(0x20, afterWrap - nearMax);
    }

    [Fact]
    public void InWindow_IsHalfOpen()
    {
        var start = new SeqNumber(0xFFFF_FFFE);
        Assert.True(start.InWindow(start, 4));
        Assert.True((start + 3).InWindow(start, 4));
        Assert.False((start + 4).InWindow(start, 4));
        Assert.False((start - 1).InWindow(start, 4));
        Assert.False(start.InWindow(start, 0));
    }
}
