using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

/// <summary>TapLink asks for offloads by default and falls back to a plain open, once, when the device refuses them.</summary>
public class TapOffloadFallbackTests
{
    [Fact]
    public void OffloadsRefused_OpensPlain_AndKeepsTheReason()
    {
        var asked = new List<bool>();
        string opened = TapLink.OpenPreferringOffloads(true, offloads =>
        {
            asked.Add(offloads);
            return offloads ? throw new LinkException("TUNSETOFFLOAD on 'tap9' failed: Invalid argument.", 22) : "plain";
        }, out string? refusal);
        Assert.Equal("plain", opened);
        Assert.Equal([true, false], asked);
        Assert.Equal("TUNSETOFFLOAD on 'tap9' failed: Invalid argument", refusal);
    }

    [Fact]
    public void PlainOpenFailsToo_ThrowsThePlainError()
    {
        var error = Assert.Throws<LinkException>(() => TapLink.OpenPreferringOffloads<string>(true,
            offloads => throw new LinkException(offloads ? "with offloads" : "plain", 16), out _));
        Assert.Equal("plain", error.Message);
    }

    [Fact]
    public void OffloadsOff_OpensOncePlain()
    {
        var asked = new List<bool>();
        TapLink.OpenPreferringOffloads(false, offloads => { asked.Add(offloads); return "plain"; }, out string? refusal);
        Assert.Equal([false], asked);
        Assert.Null(refusal);
    }

    [Fact]
    public void OffloadsAccepted_OpensOnce_NoReason()
    {
        var asked = new List<bool>();
        TapLink.OpenPreferringOffloads(true, offloads => { asked.Add(offloads); return "vnet"; }, out string? refusal);
        Assert.Equal([true], asked);
        Assert.Null(refusal);
    }
}
