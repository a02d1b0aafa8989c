using Teeceepee.Interop;
using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

public class TunTapErrorTests
{
    [Fact]
    public void MissingCloneDevice_ExplainsHowToGetIt()
    {
        var error = Assert.Throws<LinkException>(() => new TapLink("tcpx0", null, "/nonexistent/net/tun"));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Contains("modprobe tun", error.Message, StringComparison.Ordinal);
        Assert.Contains("ENOENT", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("averyveryverylongname")]
    [InlineData("bad/name")]
    [InlineData("bad name")]
    public void InvalidName_Throws(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => new TapLink(name));
        Assert.ThrowsAny<ArgumentException>(() => new TunLink(name));
        Assert.ThrowsAny<ArgumentException>(() => new RawSocketLink(name));
    }

    [Fact]
    public void InvalidMtu_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TapLink("tcpx0", 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TunLink("tcpx0", 70000));
    }
}
