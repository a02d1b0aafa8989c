using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Tests.Sockets;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>Per-connection TCP numbers in the "Teeceepee" meter and in <see cref="NetworkStackStats"/>.</summary>
public class TcpMetricsTests
{
    /// <summary>Collects the meter's measurements of one stack (by its name tag), keyed "instrument tag=value".</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly string _stack;

        public Recorder(string stack)
        {
            _stack = stack;
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Teeceepee")
                    l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags, Longs));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                if (Tag(tags, "stack") == _stack)
                {
                    lock (Rtts)
                        Rtts.Add(value);
                }
            });
            _listener.Start();
        }

        public Dictionary<string, long> Longs { get; } = [];
        public List<double> Rtts { get; } = [];

        public Dictionary<string, long> Observe()
        {
            Longs.Clear();
            _listener.RecordObservableInstruments();
            return Longs;
        }

        private void Add(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, Dictionary<string, long> into)
        {
            if (Tag(tags, "stack") != _stack)
                return;
            string kind = "";
            foreach (var tag in tags)
            {
                if (tag.Key != "stack")
                    kind = $"{tag.Key}={tag.Value}";
            }
            into[$"{instrument.Name} {kind}"] = value;
        }

        private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == key)
                    return tag.Value as string;
            }
            return null;
        }

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task LossyTransfer_CountsRetransmissionsStatesAndRttSamples()
    {
        string a = $"metrics-a-{Guid.NewGuid():N}", b = $"metrics-b-{Guid.NewGuid():N}";
        using var recorderA = new Recorder(a);
        using var recorderB = new Recorder(b);
        var faults = new FaultOptions { Loss = 0.03, Delay = TimeSpan.FromMilliseconds(10) };
        await using var sim = new Simulation(configureA: o => o with { Name = a }, configureB: o => o with { Name = b }, faults: faults, seed: 7);
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(Simulation.AddressB, 80));
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(30)));

        var data = RandomNumberGenerator.GetBytes(400_000);
        var received = sim.Transfer(client, server!, data, TimeSpan.FromSeconds(120));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(received));

        var seen = recorderA.Observe();
        long retransmits = client.GetInfo().Retransmits;
        Assert.True(retransmits > 0, "3 % loss must cost retransmissions");
        Assert.Equal(retransmits, sim.A.Stats.TcpRetransmissions);
        Assert.Equal(retransmits, seen["teeceepee.tcp.retransmissions kind=segment"]);
        Assert.Equal(1, seen["teeceepee.tcp.connections state=established"]);
        Assert.Equal(0, seen["teeceepee.tcp.connections state=time_wait"]);
        Assert.Equal(1, recorderB.Observe()["teeceepee.tcp.connections state=established"]);

        // Every sample is at least the 20 ms the injected delay adds to a round trip, and they are seconds.
        Assert.NotEmpty(recorderA.Rtts);
        Assert.All(recorderA.Rtts, rtt => Assert.InRange(rtt, 0.019, 5));

        // Active close: A ends in TIME-WAIT, B's connection goes away once its FIN is acknowledged.
        client.Close();
        Assert.True(sim.RunUntil(() => server!.State == TcpState.CloseWait, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, recorderB.Observe()["teeceepee.tcp.connections state=close_wait"]);
        server!.Close();
        Assert.True(sim.RunUntil(() => client.State == TcpState.TimeWait && server.State == TcpState.Closed, TimeSpan.FromSeconds(30)), $"{client.State} {server.State}");
        sim.Run(TimeSpan.FromMilliseconds(10));
        seen = recorderA.Observe();
        Assert.Equal(0, seen["teeceepee.tcp.connections state=established"]);
        Assert.Equal(1, seen["teeceepee.tcp.connections state=time_wait"]);
        Assert.Equal(0, recorderB.Observe()["teeceepee.tcp.connections state=last_ack"]);
    }

    [Fact]
    public async Task ConnectToClosedPort_CountsTheResetOnBothSides()
    {
        string a = $"resets-a-{Guid.NewGuid():N}", b = $"resets-b-{Guid.NewGuid():N}";
        using var recorderA = new Recorder(a);
        using var recorderB = new Recorder(b);
        await using var sim = new Simulation(configureA: o => o with { Name = a }, configureB: o => o with { Name = b });
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 81));
        Assert.True(sim.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(5)));

        Assert.Equal(1, recorderB.Observe()["teeceepee.tcp.resets direction=out"]);
        Assert.Equal(1, recorderA.Observe()["teeceepee.tcp.resets direction=in"]);
        Assert.Equal(0, recorderA.Longs["teeceepee.tcp.resets direction=out"]);
        Assert.Equal(1, sim.B.Stats.TcpResetsSent);
        Assert.Equal(1, sim.A.Stats.TcpResetsReceived);
    }

    [Fact]
    public async Task StatsToString_PrintsNonZeroCountersAndDropsByReason()
    {
        await using var sim = new Simulation();
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 81));
        Assert.True(sim.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(5)));

        var stats = sim.B.Stats;
        string text = stats.ToString();
        Assert.Contains($"frames_in={stats.FramesIn}", text);
        Assert.Contains("tcp_in=1", text);
        Assert.Contains("tcp_resets_out=1", text);
        Assert.DoesNotContain("udp_in", text); // zero counters are left out
        Assert.DoesNotContain("tcp_retransmissions", text);
        // A's gratuitous ARP request asks for A's own address: B drops it as not for us.
        Assert.Contains($"drops: ArpNotForUs={stats.Drops[DropReason.ArpNotForUs]}", text);
        Assert.True(stats.Drops[DropReason.ArpNotForUs] > 0);
    }

    [Fact]
    public async Task StatsToString_IPv6Echo_PrintsIPv6AndIcmpv6Counters()
    {
        var a6 = IPv6Address.Parse("2001:db8:7::1");
        var b6 = IPv6Address.Parse("2001:db8:7::2");
        await using var net = new MemoryTcpTestNetwork(o => o with
        {
            IPv6Addresses = [new IPv6AddressPrefix(o.Name == "client" ? a6 : b6, 64)],
            DadTransmits = 0,
        });
        var reply = await net.Client.PingAsync(b6.ToIPAddress(), TimeSpan.FromSeconds(10));
        Assert.Equal(PingStatus.Success, reply.Status);

        var stats = net.Server.Stats;
        string text = stats.ToString();
        Assert.True(stats.IPv6PacketsIn > 0 && stats.Icmpv6In.Total > 0, text);
        // Without DAD the stack still joins its solicited-node groups (RFC 4861 §7.2.1) with an MLDv2 report.
        Assert.True(stats.MldReportsOut > 0, text);
        Assert.Contains($"ipv6_in={stats.IPv6PacketsIn}", text);
        Assert.Contains($"ipv6_out={stats.IPv6PacketsOut}", text);
        Assert.Contains($"icmpv6_in={stats.Icmpv6In.Total}", text);
        Assert.Contains($"mld_reports_out={stats.MldReportsOut}", text);
    }
}
