using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

public class SynCookiesTests
{
    private static readonly byte[] s_key = [.. Enumerable.Range(50, 16).Select(i => (byte)i)];
    private static readonly IPv4Address s_local = new(198, 18, 0, 1);
    private static readonly IPv4Address s_remote = new(198, 18, 0, 2);
    private static readonly SeqNumber s_clientIsn = new(0x1234_5678);
    private static readonly Instant s_t0 = Instant.FromMilliseconds(10_000_000);

    private static SeqNumber Cookie(SynCookies cookies, Instant now, ushort mss = 1460) =>
        cookies.Create(now, s_local, 80, s_remote, 40000, s_clientIsn, mss);

    private static bool Validate(SynCookies cookies, Instant now, SeqNumber ack, out ushort mss) =>
        cookies.TryValidate(now, s_local, 80, s_remote, 40000, s_clientIsn, ack, out mss);

    [Fact]
    public void ReturningAck_Validates_AndCarriesTheMss()
    {
        var cookies = new SynCookies(s_key);
        var cookie = Cookie(cookies, s_t0);
        Assert.True(Validate(cookies, s_t0 + TimeSpan.FromSeconds(1), cookie + 1, out ushort mss));
        Assert.Equal(1460, mss);
    }

    [Theory]
    [InlineData(1460, 1460)]
    [InlineData(1459, 1440)]
    [InlineData(1400, 1400)]
    [InlineData(536, 536)]
    [InlineData(1000, 536)]
    [InlineData(9000, 8960)]
    [InlineData(65535, 8960)]
    [InlineData(100, 64)]
    [InlineData(20, 64)]
    public void Mss_IsRoundedDownToTheTable(ushort offered, ushort expected)
    {
        var cookies = new SynCookies(s_key);
        var cookie = Cookie(cookies, s_t0, offered);
        Assert.True(Validate(cookies, s_t0, cookie + 1, out ushort mss));
        Assert.Equal(expected, mss);
    }

    [Fact]
    public void WrongAck_IsRejected()
    {
        var cookies = new SynCookies(s_key);
        var cookie = Cookie(cookies, s_t0);
        Assert.False(Validate(cookies, s_t0, cookie, out _));
        Assert.False(Validate(cookies, s_t0, cookie + 2, out _));
        Assert.False(Validate(cookies, s_t0, new SeqNumber((cookie + 1).Value ^ 0x0000_0100), out _));
    }

    [Fact]
    public void AlteredMssBits_AreRejected()
    {
        // The MSS index is hashed, so a client cannot claim a larger MSS.
        var cookies = new SynCookies(s_key);
        var cookie = Cookie(cookies, s_t0, 536);
        for (uint index = 0; index < 8; index++)
        {
            var forged = new SeqNumber((cookie.Value & ~0x0700_0000u) | (index << 24));
            Assert.Equal(forged == cookie, Validate(cookies, s_t0, forged + 1, out _));
        }
    }

    [Fact]
    public void Cookie_IsValidForItsPeriodAndTheNext_ThenExpires()
    {
        var cookies = new SynCookies(s_key);
        var periodStart = Instant.FromMilliseconds(64_000 * 1000);
        var cookie = Cookie(cookies, periodStart + TimeSpan.FromSeconds(10));
        Assert.True(Validate(cookies, periodStart + TimeSpan.FromSeconds(63), cookie + 1, out _));
        Assert.True(Validate(cookies, periodStart + TimeSpan.FromSeconds(127), cookie + 1, out _));
        Assert.False(Validate(cookies, periodStart + TimeSpan.FromSeconds(128), cookie + 1, out _));
        Assert.False(Validate(cookies, periodStart + TimeSpan.FromSeconds(64 * 33), cookie + 1, out _));
        // A cookie "from the future" (the clock went back a period) is not accepted either.
        Assert.False(Validate(cookies, periodStart - TimeSpan.FromSeconds(1), cookie + 1, out _));
    }

    [Fact]
    public void OtherTuple_IsRejected()
    {
        var cookies = new SynCookies(s_key);
        var ack = Cookie(cookies, s_t0) + 1;
        Assert.False(cookies.TryValidate(s_t0, s_local, 81, s_remote, 40000, s_clientIsn, ack, out _));
        Assert.False(cookies.TryValidate(s_t0, s_local, 80, s_remote, 40001, s_clientIsn, ack, out _));
        Assert.False(cookies.TryValidate(s_t0, s_local, 80, new IPv4Address(198, 18, 0, 3), 40000, s_clientIsn, ack, out _));
        Assert.False(cookies.TryValidate(s_t0, new IPv4Address(198, 18, 0, 4), 80, s_remote, 40000, s_clientIsn, ack, out _));
        Assert.False(cookies.TryValidate(s_t0, s_local, 80, s_remote, 40000, s_clientIsn + 1, ack, out _));
    }

    [Fact]
    public void OtherKey_IsRejected()
    {
        var ack = Cookie(new SynCookies(s_key), s_t0) + 1;
        Assert.False(Validate(SynCookies.CreateRandom(), s_t0, ack, out _));
    }

    [Fact]
    public void RandomAcks_AlmostNeverValidate()
    {
        // Each guess succeeds with probability about 2/32 * 2^-24; 100k guesses should all fail.
        var cookies = new SynCookies(s_key);
        var rng = new Random(3);
        int accepted = 0;
        for (int i = 0; i < 100_000; i++)
        {
            if (Validate(cookies, s_t0, new SeqNumber((uint)rng.NextInt64(0, 1L << 32)), out _))
                accepted++;
        }
        Assert.Equal(0, accepted);
    }

    [Fact]
    public void Cookies_DifferAcrossClientIsnsAndTime()
    {
        var cookies = new SynCookies(s_key);
        var a = Cookie(cookies, s_t0);
        var b = cookies.Create(s_t0, s_local, 80, s_remote, 40000, s_clientIsn + 1, 1460);
        var c = Cookie(cookies, s_t0 + TimeSpan.FromSeconds(64));
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }
}
