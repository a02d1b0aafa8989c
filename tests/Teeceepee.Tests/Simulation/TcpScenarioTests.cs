using System.Security.Cryptography;
using Teeceepee.Links;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// Whole-stack TCP scenarios on virtual time (RFC 9293 §3.5, §3.6, §3.8.3): many connections at once,
/// simultaneous open and close, half-close under loss, and a peer that vanishes.
/// </summary>
public class TcpScenarioTests
{
    private static readonly TcpConfig s_shortMsl = TcpConfig.Default with { Msl = TimeSpan.FromSeconds(1) };

    public static TheoryData<int> ManySeeds => SimSeeds.Only(501, 504, 505);

    public static TheoryData<int> ManyFragmentBugSeeds => SimSeeds.Only(502, 503, 520, 525);

    [Theory]
    [MemberData(nameof(ManyFragmentBugSeeds))]
    public Task TwoHundredConnections_KnownFragmentBugSeeds(int seed) => TwoHundredConnections_AtOnce_UnderLoss_AllArriveIntactAndClose(seed);

    [Theory]
    [MemberData(nameof(ManySeeds))]
    public async Task TwoHundredConnections_AtOnce_UnderLoss_AllArriveIntactAndClose(int seed)
    {
        const int connections = 200;
        var faults = new FaultOptions { Loss = 0.05, Reorder = 0.02, Duplicate = 0.01, Corrupt = 0.005, Delay = TimeSpan.FromMilliseconds(5) };
        await using var net = new SimNetwork(seed, faults, s_shortMsl, trace: SimTrace.Lines > 0, traceLimit: SimTrace.Lines, traceFrames: SimTrace.Frames);
        var rng = new Random(seed);
        var listener = net.TcpB.Listen(new TcpEndpoint(SimNetwork.AddressB, 80), backlog: connections);
        var transfers = new Dictionary<ushort, DuplexTransfer>();
        for (int i = 0; i < connections; i++)
        {
            var up = new byte[rng.Next(0, 48 * 1024)];
            var down = new byte[rng.Next(0, 48 * 1024)];
            rng.NextBytes(up);
            rng.NextBytes(down);
            var client = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 80));
            transfers.Add(client.LocalPort, new DuplexTransfer(client, up, down));
        }
        var all = transfers.Values.ToArray();
        var scratch = new byte[64 * 1024];
        net.RunUntilOrFail(() =>
        {
            while (listener.TryAccept(out var server))
                transfers[server.RemotePort].AttachServer(server);
            bool done = true;
            foreach (var t in all)
            {
                t.Pump(scratch);
                if (t.Failed)
                    Assert.Fail($"seed {seed}: {t.Describe()}\n{SimTrace.Tail(net, t.Client.LocalPort)}");
                done &= t.Finished;
            }
            return done;
        }, TimeSpan.FromMinutes(10), "200 transfers");

        foreach (var t in all)
        {
            Assert.Equal(t.Up.ExpectedHash, t.Up.ReceivedHash);
            Assert.Equal(t.Down.ExpectedHash, t.Down.ReceivedHash);
            t.Dispose();
        }
        Assert.Equal(connections, all.Select(t => t.Client.LocalPort).Distinct().Count());
        net.RunUntilOrFail(() => net.TcpA.ConnectionCount == 0 && net.TcpB.ConnectionCount == 0, TimeSpan.FromSeconds(30), "TIME-WAIT drain");
    }

    [Fact]
    public async Task SimultaneousOpen_BothSynSent_CrossingSyns_BothEstablished_AndCarryData()
    {
        // RFC 9293 §3.5 figure 8: SYN-SENT -> SYN-RECEIVED -> ESTABLISHED on both sides.
        await using var net = new SimNetwork(7, new FaultOptions { Delay = TimeSpan.FromMilliseconds(10) }, s_shortMsl);
        net.WarmUpArp();
        var a = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 5000), localPort: 6000);
        var b = net.TcpB.Connect(net.Now, SimNetwork.AddressB, new TcpEndpoint(SimNetwork.AddressA, 6000), localPort: 5000);
        var ra = StateRecorder.Attach(a);
        var rb = StateRecorder.Attach(b);
        net.RunUntilOrFail(() => a.State == TcpState.Established && b.State == TcpState.Established, TimeSpan.FromSeconds(10), "simultaneous open");
        Assert.Equal("SynSent=>SynReceived=>Established", ra.Path);
        Assert.Equal("SynSent=>SynReceived=>Established", rb.Path);

        var ab = RandomNumberGenerator.GetBytes(100_000);
        var ba = RandomNumberGenerator.GetBytes(70_000);
        var up = new StreamLeg(ab);
        var down = new StreamLeg(ba);
        var scratch = new byte[16384];
        net.RunUntilOrFail(() =>
        {
            up.Pump(a, b, scratch);
            down.Pump(b, a, scratch);
            return up.Complete && down.Complete;
        }, TimeSpan.FromSeconds(30), "data after simultaneous open");
        Assert.Equal(up.ExpectedHash, up.ReceivedHash);
        Assert.Equal(down.ExpectedHash, down.ReceivedHash);
        Assert.Equal(TcpError.None, a.Error);
        Assert.Equal(TcpError.None, b.Error);
    }

    [Fact]
    public async Task SimultaneousClose_BothFinWait1_GoThroughClosing_ToTimeWait_ThenVanish()
    {
        // RFC 9293 §3.6 figure 13: FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both sides.
        await using var net = new SimNetwork(8, new FaultOptions { Delay = TimeSpan.FromMilliseconds(10) }, s_shortMsl);
        var (client, server) = net.Establish();
        var rc = StateRecorder.Attach(client);
        var rs = StateRecorder.Attach(server);
        client.Close();
        server.Close();
        net.RunUntilOrFail(() => client.State == TcpState.TimeWait && server.State == TcpState.TimeWait, TimeSpan.FromSeconds(10), "simultaneous close");
        Assert.Equal("Established=>FinWait1=>Closing=>TimeWait", rc.Path);
        Assert.Equal("Established=>FinWait1=>Closing=>TimeWait", rs.Path);
        Assert.Equal(TcpError.None, client.Error);
        Assert.Equal(TcpError.None, server.Error);

        // TIME-WAIT lasts 2 MSL (RFC 9293 §3.6.1), then the connections are gone.
        var entered = net.Now;
        net.RunUntilOrFail(() => net.TcpA.ConnectionCount == 0 && net.TcpB.ConnectionCount == 0, TimeSpan.FromSeconds(10), "TIME-WAIT expiry");
        Assert.InRange(net.Now - entered, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2.5));
        // The TCBs were released into TIME-WAIT records (they keep showing their last state); the records are gone.
        Assert.Equal(0, net.TcpA.CountInState(TcpState.TimeWait));
        Assert.Equal(0, net.TcpB.CountInState(TcpState.TimeWait));
    }

    public static TheoryData<int> HalfCloseSeeds => SimSeeds.Range(601, 5);

    [Theory]
    [MemberData(nameof(HalfCloseSeeds))]
    public async Task HalfClose_UnderLoss_ClientFinsFirst_ServerKeepsSending_AllArrives(int seed)
    {
        // RFC 9293 §3.6: after our FIN (FIN-WAIT-2) we keep receiving until the peer closes too.
        var faults = new FaultOptions { Loss = 0.10, Reorder = 0.05, Duplicate = 0.02, Delay = TimeSpan.FromMilliseconds(3) };
        await using var net = new SimNetwork(seed, faults, s_shortMsl);
        var (client, server) = net.Establish();
        var request = RandomNumberGenerator.GetBytes(1000);
        var response = RandomNumberGenerator.GetBytes(600_000);
        var up = new StreamLeg(request);
        var down = new StreamLeg(response) { ShutdownWhenSent = false };
        var rc = StateRecorder.Attach(client);
        var rs = StateRecorder.Attach(server);
        var scratch = new byte[16384];

        // The request and the client's FIN arrive; the server has sent nothing yet.
        net.RunUntilOrFail(() =>
        {
            up.Pump(client, server, scratch);
            return up.Complete;
        }, TimeSpan.FromMinutes(2), "request and FIN");
        Assert.Equal(TcpState.CloseWait, server.State);
        Assert.True(client.State is TcpState.FinWait1 or TcpState.FinWait2);
        Assert.False(client.IsSendOpen);
        Assert.Equal(0, client.Send(new byte[10]));

        // Now the server answers at length over the half-open connection, then closes.
        net.RunUntilOrFail(() =>
        {
            down.Pump(server, client, scratch);
            if (down.Sent == response.Length && server.IsSendOpen)
                server.Close();
            return down.Complete;
        }, TimeSpan.FromMinutes(5), "response after half-close");
        Assert.Equal(up.ExpectedHash, up.ReceivedHash);
        Assert.Equal(down.ExpectedHash, down.ReceivedHash);
        client.Close();
        net.RunUntilOrFail(() => client.State == TcpState.TimeWait && server.State == TcpState.Closed, TimeSpan.FromMinutes(2), "close");
        Assert.Equal("Established=>FinWait1=>FinWait2=>TimeWait", rc.Path);
        Assert.Equal("Established=>CloseWait=>LastAck=>Closed", rs.Path);
        Assert.Equal(TcpError.None, client.Error);
        Assert.Equal(TcpError.None, server.Error);
    }

    [Fact]
    public async Task PeerVanishes_WithDataInFlight_RetransmissionsGiveUp_TimedOut()
    {
        // RFC 9293 §3.8.3 / RFC 1122 §4.2.3.5 (R2): retransmissions back off and finally abort the connection.
        var config = s_shortMsl with { MaxRetransmissions = 6, UserTimeout = null };
        await using var net = new SimNetwork(9, new FaultOptions { Delay = TimeSpan.FromMilliseconds(1) }, config);
        var (client, _) = net.Establish();
        var recorder = StateRecorder.Attach(client);
        net.PausedB = true;
        var vanished = net.Now;
        Assert.Equal(10_000, client.Send(new byte[10_000]));
        net.RunUntilOrFail(() => client.State == TcpState.Closed, TimeSpan.FromMinutes(30), "give-up");
        var took = net.Now - vanished;

        Assert.Equal(TcpError.TimedOut, client.Error);
        Assert.Equal([TcpError.TimedOut], recorder.Errors);
        Assert.InRange(client.GetInfo().Timeouts, 6, 7);
        // 6 retransmissions backing off from the minimum RTO (200 ms): at least 0.2 * (2^7 - 1) s in all.
        Assert.InRange(took, TimeSpan.FromSeconds(0.2 * 127), TimeSpan.FromSeconds(1.0 * 127 + 5));
        Assert.Equal(0, net.TcpA.ConnectionCount);
    }

    [Fact]
    public async Task PeerVanishes_BeforeSynAck_SynRetriesGiveUp_TimedOut()
    {
        // RFC 6298 §5 / RFC 1122 §4.2.3.5: SYN retries back off from 1 s, then the connect fails.
        var config = s_shortMsl with { SynRetries = 3, UserTimeout = null };
        await using var net = new SimNetwork(10, FaultOptions.None, config);
        net.WarmUpArp();
        net.PausedB = true;
        var start = net.Now;
        var client = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 80));
        net.RunUntilOrFail(() => client.State == TcpState.Closed, TimeSpan.FromMinutes(5), "connect give-up");

        Assert.Equal(TcpError.TimedOut, client.Error);
        // 1 + 2 + 4 s between the SYNs, then 8 s for the last one: 15 s.
        Assert.InRange(net.Now - start, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(16));
        Assert.Equal(0, net.TcpA.ConnectionCount);
    }

    [Fact]
    public async Task ConnectToClosedPort_IsRefusedByRst()
    {
        await using var net = new SimNetwork(11, FaultOptions.None, s_shortMsl);
        var client = net.TcpA.Connect(net.Now, SimNetwork.AddressA, new TcpEndpoint(SimNetwork.AddressB, 81));
        net.RunUntilOrFail(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(5), "refusal");
        Assert.Equal(TcpError.ConnectionRefused, client.Error);
        Assert.Equal(1, net.TcpB.ResetsSent);
    }

    [Fact]
    public async Task Abort_SendsRst_PeerSeesConnectionReset()
    {
        await using var net = new SimNetwork(12, FaultOptions.None, s_shortMsl);
        var (client, server) = net.Establish();
        client.Abort();
        net.RunUntilOrFail(() => server.State == TcpState.Closed, TimeSpan.FromSeconds(5), "reset");
        Assert.Equal(TcpError.ConnectionReset, server.Error);
        Assert.Equal(TcpState.Closed, client.State);
    }
}
