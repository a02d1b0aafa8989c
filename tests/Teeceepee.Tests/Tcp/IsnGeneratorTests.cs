using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

public class IsnGeneratorTests
{
    private static readonly byte[] s_key = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];
    private static readonly IPv4Address s_local = new(198, 18, 0, 1);
    private static readonly IPv4Address s_remote = new(198, 18, 0, 2);

    [Fact]
    public void SameTuple_AdvancesWithTheFourMicrosecondClock()
    {
        // RFC 6528: M ticks every 4 µs, so 1 ms later the ISN is 250 higher.
        var isn = new IsnGenerator(s_key);
        var t0 = Instant.FromMilliseconds(5_000);
        var a = isn.Next(t0, s_local, 40000, s_remote, 80);
        var b = isn.Next(t0 + TimeSpan.FromMilliseconds(1), s_local, 40000, s_remote, 80);
        Assert.Equal(250, b - a);
        Assert.Equal(a, isn.Next(t0, s_local, 40000, s_remote, 80));
    }

    [Fact]
    public void SameTuple_IsMonotonicOverTime()
    {
        var isn = new IsnGenerator(s_key);
        var rng = new Random(7);
        var now = Instant.FromMilliseconds(123);
        var previous = isn.Next(now, s_local, 40000, s_remote, 80);
        for (int i = 0; i < 10_000; i++)
        {
            // Steps below 2^31 * 4 µs (about 2.4 hours) stay comparable in sequence space.
            now += TimeSpan.FromTicks(rng.NextInt64(40, TimeSpan.TicksPerSecond * 60));
            var current = isn.Next(now, s_local, 40000, s_remote, 80);
            Assert.True(current > previous);
            previous = current;
        }
    }

    [Fact]
    public void DifferentTuples_GetDifferentIsns()
    {
        var isn = new IsnGenerator(s_key);
        var now = Instant.FromMilliseconds(1);
        var seen = new HashSet<uint>();
        for (ushort port = 40000; port < 41000; port++)
            Assert.True(seen.Add(isn.Next(now, s_local, port, s_remote, 80).Value));
        Assert.True(seen.Add(isn.Next(now, s_remote, 40000, s_local, 80).Value));
        Assert.True(seen.Add(isn.Next(now, s_local, 40000, new IPv4Address(198, 18, 0, 3), 80).Value));
        Assert.True(seen.Add(isn.Next(now, s_local, 40000, s_remote, 81).Value));

        // Neighbouring ports are not neighbouring ISNs: the offset is a keyed hash.
        uint a = isn.Next(now, s_local, 40000, s_remote, 80).Value;
        uint b = isn.Next(now, s_local, 40001, s_remote, 80).Value;
        Assert.True(Math.Abs((long)a - b) > 1_000_000);
    }

    [Fact]
    public void DifferentKeys_GetDifferentIsns()
    {
        var now = Instant.FromMilliseconds(1);
        var a = new IsnGenerator(s_key).Next(now, s_local, 40000, s_remote, 80);
        var b = IsnGenerator.CreateRandom().Next(now, s_local, 40000, s_remote, 80);
        var c = IsnGenerator.CreateRandom().Next(now, s_local, 40000, s_remote, 80);
        Assert.NotEqual(a, b);
        Assert.NotEqual(b, c);
    }

    [Fact]
    public void WrongKeyLength_Throws() =>
        Assert.Throws<ArgumentException>(() => new IsnGenerator(new byte[8]));
}
