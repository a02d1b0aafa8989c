using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>ECN in TCP (RFC 3168 §6.1): negotiation, ECT(0) on new data only, ECE until CWR, one reduction per window.</summary>
public class TcbEcnTests
{
    private const int Mss = 1460;
    private static readonly TcpConfig s_on = DefaultConfig with { Ecn = EcnMode.On };
    private static readonly TcpRepr s_ecnSetupSyn = Syn with { EcnEcho = true, CongestionWindowReduced = true };

    private static SeqNumber Seg(int i) => LocalIsn + 1 + (i * Mss);

    /// <summary>A passive open with ECN agreed: the peer's SYN asked, our SYN-ACK answered ECE.</summary>
    private static TcbHarness EstablishedWithEcn(TcpConfig? config = null)
    {
        var h = Passive(config);
        h.Send(s_ecnSetupSyn);
        h.ExpectIgnoringWindow(SynAck with { EcnEcho = true });
        h.Send(In);
        Assert.True(h.Tcb.IsEcnEnabled);
        return h;
    }

    [Fact]
    public void Listen_EcnSetupSyn_SynAckCarriesEceWithoutCwr()
    {
        var h = Passive();
        h.Send(s_ecnSetupSyn);
        var synAck = Assert.Single(h.Dispatch());
        Assert.True(synAck.EcnEcho);
        Assert.False(synAck.CongestionWindowReduced);
        Assert.Equal(EcnCodepoint.NotEct, synAck.Ecn); // §6.1.1: SYN-ACKs are not ECT
        h.Send(In);
        Assert.True(h.Tcb.GetInfo().Ecn);
    }

    [Fact]
    public void Listen_EcnOff_SynAckWithoutEceAndDataNotEct()
    {
        var h = Passive(DefaultConfig with { Ecn = EcnMode.Off });
        h.Send(s_ecnSetupSyn);
        Assert.False(Assert.Single(h.Dispatch()).EcnEcho);
        h.Send(In);
        h.Tcb.Send(Bytes(100));
        Assert.Equal(EcnCodepoint.NotEct, Assert.Single(h.Dispatch()).Ecn);
        Assert.False(h.Tcb.GetInfo().Ecn);
    }

    [Fact]
    public void Listen_SynWithEceOnly_NotAnEcnSetupSoNoEcn()
    {
        var h = Passive();
        h.Send(Syn with { EcnEcho = true });
        Assert.False(Assert.Single(h.Dispatch()).EcnEcho);
    }

    [Fact]
    public void Closed_ConnectWithEcnOn_SynCarriesEceAndCwrAndSynAckWithEceAgrees()
    {
        var h = Closed(s_on);
        h.Tcb.Connect(h.Now, LocalIsn);
        var syn = Assert.Single(h.Dispatch());
        Assert.True(syn.EcnEcho);
        Assert.True(syn.CongestionWindowReduced);
        Assert.Equal(EcnCodepoint.NotEct, syn.Ecn);
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460, EcnEcho = true }, atMs: 10);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.True(h.Tcb.IsEcnEnabled);
        var ack = Assert.Single(h.Dispatch());
        Assert.Equal(EcnCodepoint.NotEct, ack.Ecn); // pure ACKs are not ECT (§6.1.4)
        h.Tcb.Send(Bytes(100));
        Assert.Equal(EcnCodepoint.Ect0, Assert.Single(h.Dispatch()).Ecn);
    }

    [Fact]
    public void SynSent_SynAckWithoutEce_FallsBackToNoEcn()
    {
        var h = Closed(s_on);
        h.Tcb.Connect(h.Now, LocalIsn);
        h.Dispatch();
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460 }, atMs: 10);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.False(h.Tcb.IsEcnEnabled);
        h.Dispatch();
        h.Tcb.Send(Bytes(100));
        Assert.Equal(EcnCodepoint.NotEct, Assert.Single(h.Dispatch()).Ecn);
    }

    [Fact]
    public void SynSent_SynAckWithEceAndCwr_IsAReflectorSoNoEcn()
    {
        var h = Closed(s_on);
        h.Tcb.Connect(h.Now, LocalIsn);
        h.Dispatch();
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460, EcnEcho = true, CongestionWindowReduced = true }, atMs: 10);
        Assert.False(h.Tcb.IsEcnEnabled);
    }

    [Fact]
    public void SynSent_SynRetransmitted_RetryDropsTheEcnSetupAndAnEceReplyIsIgnored()
    {
        var h = Closed(s_on);
        h.Tcb.Connect(h.Now, LocalIsn);
        Assert.True(Assert.Single(h.Dispatch()).EcnEcho);
        var retry = Assert.Single(h.RunUntil(1000)).Segment;
        Assert.Equal(TcpControl.Syn, retry.Control);
        Assert.False(retry.EcnEcho);
        Assert.False(retry.CongestionWindowReduced);
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460, EcnEcho = true }, atMs: 1010);
        Assert.False(h.Tcb.IsEcnEnabled);
    }

    [Fact]
    public void Closed_ConnectWithEcnPassive_SynDoesNotAsk()
    {
        var h = SynSent();
        h.Tcb.Close();
        var fresh = Closed(DefaultConfig with { Ecn = EcnMode.Passive });
        fresh.Tcb.Connect(fresh.Now, LocalIsn);
        var syn = Assert.Single(fresh.Dispatch());
        Assert.False(syn.EcnEcho);
        Assert.False(syn.CongestionWindowReduced);
    }

    [Fact]
    public void EcnEstablished_CeOnData_EveryAckEchoesUntilCwrArrives()
    {
        var h = EstablishedWithEcn();
        // CE-marked data: the first one is acknowledged at once, with ECE (§6.1.3).
        h.Send(In with { Ecn = EcnCodepoint.Ce }, Bytes(100), atMs: 10);
        var first = Assert.Single(h.Dispatch());
        Assert.True(first.EcnEcho);
        Assert.Equal(RemoteIsn + 101, first.AckNumber);
        // Unmarked data that follows is still answered with ECE: the echo lasts until CWR.
        h.Send(In with { SeqNumber = RemoteIsn + 101, Ecn = EcnCodepoint.Ect0 }, Bytes(100), atMs: 20);
        var second = h.RunUntil(100);
        Assert.True(Assert.Single(second).Segment.EcnEcho);
        // Our own data rides with ECE too while echoing.
        h.Tcb.Send(Bytes(50));
        var data = Assert.Single(h.Dispatch());
        Assert.True(data.EcnEcho);
        Assert.Equal(EcnCodepoint.Ect0, data.Ecn);
        // CWR arrives: the echo stops.
        h.Send(In with { SeqNumber = RemoteIsn + 201, AckNumber = LocalIsn + 51, CongestionWindowReduced = true, Ecn = EcnCodepoint.Ect0 }, Bytes(100), atMs: 200);
        var after = h.RunUntil(300);
        Assert.False(Assert.Single(after).Segment.EcnEcho);
        Assert.Equal(1, h.Tcb.GetInfo().EcnCeReceived);
    }

    [Fact]
    public void EcnEstablished_CwrSegmentItselfMarkedCe_EchoContinues()
    {
        var h = EstablishedWithEcn();
        h.Send(In with { Ecn = EcnCodepoint.Ce }, Bytes(100), atMs: 10);
        h.Dispatch();
        h.Send(In with { SeqNumber = RemoteIsn + 101, CongestionWindowReduced = true, Ecn = EcnCodepoint.Ce }, Bytes(100), atMs: 20);
        Assert.True(Assert.Single(h.RunUntil(100)).Segment.EcnEcho);
    }

    [Fact]
    public void EcnNotNegotiated_CeOnData_NoEcho()
    {
        var h = Established();
        h.Send(In with { Ecn = EcnCodepoint.Ce }, Bytes(100), atMs: 10);
        Assert.False(Assert.Single(h.RunUntil(100)).Segment.EcnEcho);
        Assert.Equal(0, h.Tcb.GetInfo().EcnCeReceived);
    }

    [Fact]
    public void EcnEstablished_EceOnSeveralAcksOfOneWindow_OneReductionThenCwrOnNextNewData()
    {
        var h = EstablishedWithEcn();
        h.Tcb.Send(Bytes(10 * Mss));
        var flight = h.Dispatch();
        Assert.Equal(10, flight.Count);
        Assert.All(flight, s => Assert.Equal(EcnCodepoint.Ect0, s.Ecn));
        Assert.All(flight, s => Assert.False(s.CongestionWindowReduced));
        int cwndBefore = h.Tcb.GetInfo().CongestionWindow;

        h.Send(In with { AckNumber = Seg(2), EcnEcho = true }, atMs: 20);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.EcnReductions);
        Assert.True(info.CongestionWindow < cwndBefore, $"cwnd {info.CongestionWindow} did not drop from {cwndBefore}");
        int reduced = info.CongestionWindow;
        // Later ACKs of the same window keep echoing (the receiver has not seen CWR yet): no second reduction.
        h.Send(In with { AckNumber = Seg(4), EcnEcho = true }, atMs: 21);
        h.Send(In with { AckNumber = Seg(6), EcnEcho = true }, atMs: 22);
        info = h.Tcb.GetInfo();
        Assert.Equal(1, info.EcnReductions);
        Assert.Equal(3, info.EcnEchoesReceived);
        Assert.True(info.CongestionWindow >= reduced - Mss, "a second halving happened");
        Assert.Equal(0, info.Retransmits); // §6.1.2: nothing is resent for an ECE

        // The first new data after the reduction carries CWR, and only it.
        h.Tcb.Send(Bytes(4 * Mss));
        var next = h.Dispatch();
        Assert.NotEmpty(next);
        Assert.True(next[0].CongestionWindowReduced);
        Assert.All(next.Skip(1), s => Assert.False(s.CongestionWindowReduced));
        Assert.All(next, s => Assert.Equal(EcnCodepoint.Ect0, s.Ecn));
    }

    [Fact]
    public void EcnEstablished_EceAfterTheReducedWindowIsAcked_ReducesAgain()
    {
        var h = EstablishedWithEcn();
        h.Tcb.Send(Bytes(4 * Mss));
        Assert.Equal(4, h.Dispatch().Count);
        h.Send(In with { AckNumber = Seg(1), EcnEcho = true }, atMs: 20);
        Assert.Equal(1, h.Tcb.GetInfo().EcnReductions);
        // An ECE acknowledging no more than the window that was out at the reduction belongs to that event.
        h.Send(In with { AckNumber = Seg(4), EcnEcho = true }, atMs: 30);
        Assert.Equal(1, h.Tcb.GetInfo().EcnReductions);
        h.Tcb.Send(Bytes(2 * Mss));
        var next = h.Dispatch();
        Assert.True(next[0].CongestionWindowReduced);
        // Beyond it, a new ECE is a new congestion event.
        h.Send(In with { AckNumber = Seg(5), EcnEcho = true }, atMs: 40);
        Assert.Equal(2, h.Tcb.GetInfo().EcnReductions);
    }

    [Fact]
    public void EcnEstablished_Retransmission_IsNotEctButNewDataIs()
    {
        var h = EstablishedWithEcn();
        h.Tcb.Send(Bytes(100));
        Assert.Equal(EcnCodepoint.Ect0, Assert.Single(h.Dispatch()).Ecn);
        var resent = Assert.Single(h.RunUntil(250)).Segment;
        Assert.Equal(LocalIsn + 1, resent.SeqNumber);
        Assert.Equal(EcnCodepoint.NotEct, resent.Ecn); // §6.1.5
        h.Send(In with { AckNumber = LocalIsn + 101 }, atMs: 260);
        h.Tcb.Send(Bytes(100));
        Assert.Equal(EcnCodepoint.Ect0, Assert.Single(h.Dispatch()).Ecn);
    }

    [Fact]
    public void EcnEstablished_ZeroWindowProbe_IsNotEct()
    {
        var h = EstablishedWithEcn();
        h.Send(In with { WindowLength = 0 }, atMs: 5);
        h.Tcb.Send(Bytes(100));
        h.Dispatch();
        var probes = h.RunUntil(3000).Where(s => s.Segment.PayloadLength > 0).ToList();
        Assert.NotEmpty(probes);
        Assert.All(probes, p => Assert.Equal(EcnCodepoint.NotEct, p.Segment.Ecn)); // §6.1.6
    }
}
