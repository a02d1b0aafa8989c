using System.Diagnostics.Metrics;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

public class StackPrimitivesTests
{
    [Fact]
    public void DropReason_MirrorsEveryWireError_ByNameAndValue()
    {
        foreach (var error in Enum.GetValues<WireError>())
        {
            Assert.True(Enum.TryParse<DropReason>(error.ToString(), out var reason), $"DropReason lacks {error}");
            Assert.Equal((int)error, (int)reason);
        }
        Assert.All(Enum.GetValues<DropReason>().Where(r => !Enum.IsDefined((WireError)(byte)r)), r => Assert.True((int)r >= 64));
    }

    [Fact]
    public void TokenBucket_AllowsABurst_ThenTheRate()
    {
        var bucket = new TokenBucket(perSecond: 2, burst: 3);
        var t = Instant.FromMilliseconds(0);
        Assert.True(bucket.TryTake(t));
        Assert.True(bucket.TryTake(t));
        Assert.True(bucket.TryTake(t));
        Assert.False(bucket.TryTake(t));
        Assert.False(bucket.TryTake(Instant.FromMilliseconds(400)));
        Assert.True(bucket.TryTake(Instant.FromMilliseconds(500)));
        Assert.False(bucket.TryTake(Instant.FromMilliseconds(500)));
        // Never more than the burst, however long it rested.
        var later = Instant.FromMilliseconds(100_000);
        int n = 0;
        while (bucket.TryTake(later))
            n++;
        Assert.Equal(3, n);
    }

    [Fact]
    public async Task Metrics_ReportCountersTaggedWithTheStackName()
    {
        // Other tests' stacks are alive too (parallel classes): a unique name tells ours apart.
        string name = $"metrics-{Guid.NewGuid():N}";
        await using var sim = new Simulation(configureA: o => o with { Name = name });
        sim.Await(sim.A.PingAsync(Simulation.AddressB, TimeSpan.FromSeconds(1)));

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Teeceepee")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string stack = "", kind = "";
            foreach (var tag in tags)
            {
                if (tag.Key == "stack")
                    stack = (string)tag.Value!;
                else
                    kind = $"{tag.Key}={tag.Value}";
            }
            if (stack == name)
                seen[$"{instrument.Name} {kind}"] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        var stats = sim.A.Stats;
        Assert.Equal(stats.FramesOut, seen["teeceepee.link.frames direction=out"]);
        Assert.Equal(stats.ArpRequestsOut, seen["teeceepee.arp.messages kind=request_out"]);
        Assert.Equal(1, seen["teeceepee.icmp.messages type_out=8"]);
        Assert.Equal(1, seen["teeceepee.icmp.messages type_in=0"]);
        Assert.Equal(stats.Drops[DropReason.ArpNotForUs], seen["teeceepee.drops reason=ArpNotForUs"]);
    }

    [Fact]
    public void Options_RejectAnMtuBelow68()
    {
        var (a, b) = Teeceepee.Links.MemoryLink.CreatePair(new Teeceepee.Links.LinkCapabilities(Teeceepee.Links.LinkMedium.Ethernet, 1500), withReadinessFd: false);
        using (a)
        using (b)
        {
            Assert.Throws<ArgumentException>(() => new NetworkStack(a, new NetworkStackOptions { Address = Simulation.AddressA, Mtu = 60 }));
        }
    }
}
