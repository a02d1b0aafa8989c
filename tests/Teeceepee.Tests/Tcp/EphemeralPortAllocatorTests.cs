using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

public class EphemeralPortAllocatorTests
{
    private static readonly byte[] s_key = [.. Enumerable.Range(100, 16).Select(i => (byte)i)];
    private static readonly IPv4Address s_local = new(198, 18, 0, 1);
    private static readonly IPv4Address s_remote = new(198, 18, 0, 2);

    [Fact]
    public void Allocate_ReturnsPortInTheDefaultRange()
    {
        var ports = new EphemeralPortAllocator(s_key);
        Assert.True(ports.TryAllocate(s_local, s_remote, 80, _ => false, out ushort port));
        Assert.InRange(port, (ushort)49152, (ushort)65535);
    }

    [Fact]
    public void Allocate_SkipsPortsInUse()
    {
        var used = new HashSet<ushort>();
        var ports = new EphemeralPortAllocator(s_key, 1000, 1009);
        for (int i = 0; i < 10; i++)
        {
            Assert.True(ports.TryAllocate(s_local, s_remote, 80, used.Contains, out ushort port));
            Assert.InRange(port, (ushort)1000, (ushort)1009);
            Assert.True(used.Add(port));
        }
        Assert.False(ports.TryAllocate(s_local, s_remote, 80, used.Contains, out _));
    }

    [Fact]
    public void Allocate_FindsTheOnlyFreePort()
    {
        var ports = new EphemeralPortAllocator(s_key);
        Assert.True(ports.TryAllocate(s_local, s_remote, 443, p => p != 50000, out ushort port));
        Assert.Equal(50000, port);
    }

    [Fact]
    public void Allocate_AllInUse_Fails()
    {
        var ports = new EphemeralPortAllocator(s_key);
        int asked = 0;
        Assert.False(ports.TryAllocate(s_local, s_remote, 80, _ => { asked++; return true; }, out _));
        Assert.Equal(65535 - 49152 + 1, asked);
    }

    [Fact]
    public void Allocate_SpreadsDestinationsOverTheRange()
    {
        // RFC 6056 Algorithm 3: each destination starts at its own keyed offset.
        var ports = new EphemeralPortAllocator(s_key);
        var buckets = new int[16];
        var distinct = new HashSet<ushort>();
        for (int i = 0; i < 1600; i++)
        {
            var remote = new IPv4Address(198, 19, (byte)(i >> 8), (byte)i);
            Assert.True(ports.TryAllocate(s_local, remote, 80, _ => false, out ushort port));
            distinct.Add(port);
            buckets[(port - 49152) / 1024]++;
        }
        Assert.True(distinct.Count > 1500);
        // 100 expected per bucket; a fair hash stays well inside [40, 160].
        Assert.All(buckets, count => Assert.InRange(count, 40, 160));
    }

    [Fact]
    public void Allocate_SameDestination_MovesOnEachTime()
    {
        var ports = new EphemeralPortAllocator(s_key);
        Assert.True(ports.TryAllocate(s_local, s_remote, 80, _ => false, out ushort a));
        Assert.True(ports.TryAllocate(s_local, s_remote, 80, _ => false, out ushort b));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Allocate_DifferentKeys_PickDifferentPorts()
    {
        int same = 0;
        for (int i = 0; i < 20; i++)
        {
            EphemeralPortAllocator.CreateRandom().TryAllocate(s_local, s_remote, 80, _ => false, out ushort a);
            EphemeralPortAllocator.CreateRandom().TryAllocate(s_local, s_remote, 80, _ => false, out ushort b);
            if (a == b)
                same++;
        }
        Assert.True(same < 3);
    }

    [Fact]
    public void Allocate_WithState_PassesTheStateToTheCheck()
    {
        var used = new HashSet<ushort> { 1000, 1001, 1002, 1004 };
        var ports = new EphemeralPortAllocator(s_key, 1000, 1004);
        Assert.True(ports.TryAllocate(s_local, s_remote, 80, used, static (set, p) => set.Contains(p), out ushort port));
        Assert.Equal(1003, port);
    }

    [Fact]
    public void InvalidRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EphemeralPortAllocator(s_key, 2000, 1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EphemeralPortAllocator(s_key, 0, 1000));
    }
}
