using Teeceepee.Cli.Options;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Stack;

/// <summary>--explain: the rule behind every drop and TCP state change, from the enums.</summary>
public class ExplainTests
{
    [Fact]
    public void EveryDropReason_HasAnExplanation()
    {
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            string? text = DropExplanations.Explain(reason);
            Assert.False(string.IsNullOrWhiteSpace(text), $"DropReason.{reason} has no explanation");
        }
    }

    [Fact]
    public void EveryTcpDropReason_HasAnExplanationWithItsRfc()
    {
        foreach (var reason in Enum.GetValues<TcpDropReason>().Where(r => r != TcpDropReason.None))
            Assert.Matches(@"^RFC \d+ §", DropExplanations.Explain(reason) ?? $"TcpDropReason.{reason} has no explanation");
    }

    [Fact]
    public void EveryStateChange_CitesRfc9293OrItsCookieRule()
    {
        foreach (var from in Enum.GetValues<TcpState>())
        {
            foreach (var to in Enum.GetValues<TcpState>())
                Assert.Matches(@"^RFC (9293|4987) §", DropExplanations.Explain(from, to));
        }
        Assert.Equal("RFC 9293 §3.10.7.3: SYN-ACK acknowledged our SYN, ACK sent", DropExplanations.Explain(TcpState.SynSent, TcpState.Established));
    }

    [Fact]
    public async Task ExplainedTrace_ConnectionLife_ReadsFromTheTrace()
    {
        await using var sim = new Simulation(configureA: o => o with { ExplainTrace = true }, configureB: o => o with { ExplainTrace = true });
        var listener = sim.B.Tcp.Listen(new TcpEndpoint(Simulation.AddressB, 80));
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 80));
        Tcb? server = null;
        Assert.True(sim.RunUntil(() => listener.TryAccept(out server), TimeSpan.FromSeconds(5)));
        client.Close();
        Assert.True(sim.RunUntil(() => server!.State == TcpState.CloseWait, TimeSpan.FromSeconds(5)));
        server!.Close();
        Assert.True(sim.RunUntil(() => client.State == TcpState.TimeWait && server.State == TcpState.Closed, TimeSpan.FromSeconds(5)));

        string log = string.Join("\n", sim.Log);
        Assert.Contains("A: tcp 198.18.0.1:", log);
        Assert.Contains("SynSent=>Established (RFC 9293 §3.10.7.3: SYN-ACK acknowledged our SYN, ACK sent)", log);
        Assert.Contains("SynReceived=>Established (RFC 9293 §3.10.7.4: ACK of our SYN-ACK arrived)", log);
        Assert.Contains("Established=>FinWait1 (RFC 9293 §3.10.4: CLOSE, FIN sent)", log);
        Assert.Contains("Established=>CloseWait (RFC 9293 §3.10.7.4 (eighth): peer's FIN received and ACKed, peer is done sending)", log);
        Assert.Contains("FinWait2=>TimeWait (RFC 9293 §3.10.7.4: peer's FIN received and ACKed, TIME-WAIT for 2 MSL)", log);
        Assert.Contains("LastAck=>Closed (RFC 9293 §3.10.7.4: our FIN acknowledged, connection gone)", log);
        // Every state change line carries its rule: no bare "Old=>New" is left.
        Assert.All(sim.Log.Where(l => l.Contains("=>", StringComparison.Ordinal)), l => Assert.Contains("(RFC ", l));
        // B drops A's gratuitous ARP (it asks for A's own address) and says why.
        Assert.Contains("B: drop arp ArpNotForUs", log);
        Assert.Contains("(ARP asks for someone else's address: only the target answers (RFC 826))", log);
    }

    [Fact]
    public async Task PlainTrace_KeepsTheBareLines()
    {
        await using var sim = new Simulation();
        var client = sim.A.Tcp.Connect(sim.Now, Simulation.AddressA, new TcpEndpoint(Simulation.AddressB, 81));
        Assert.True(sim.RunUntil(() => client.State == TcpState.Closed, TimeSpan.FromSeconds(5)));
        Assert.Contains(sim.Log, l => l.EndsWith("SynSent=>Closed", StringComparison.Ordinal));
        Assert.DoesNotContain(sim.Log, l => l.Contains("(RFC ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExplainedTrace_TcpDropLines_CarryTheirRule()
    {
        await using var sim = new Simulation(configureB: o => o with { ExplainTrace = true });
        // The TCP host's own drop line, as TcpHost writes it for a RST to a closed port.
        sim.B.Tcp.Trace!.TraceHost("drop: ResetToClosedPort");
        Assert.Contains("B: tcp drop: ResetToClosedPort (RFC 9293 §3.10.7.1: a RST to a closed port is never answered)", sim.Log);
    }

    [Fact]
    public void ExplainOption_TurnsOnTheTraceToo()
    {
        var set = new LinkOptionSet();
        var command = new System.CommandLine.Command("x");
        set.AddTo(command);
        var parsed = set.Read(command.Parse(["--tap", "tap9", "--ip", "198.18.0.2/24", "--explain"]), new Cli.Fakes.FakeProbe(), requireLink: true);
        Assert.True(parsed.Explain);
        Assert.True(parsed.Verbose);
    }
}
