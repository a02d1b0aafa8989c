using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>Connection establishment, reset and close: one test per RFC 9293 §3.10.7 transition.</summary>
public class TcbStateTests
{
    private static readonly TcpRepr OurSyn = Out with
    {
        Control = TcpControl.Syn,
        SeqNumber = LocalIsn,
        AckNumber = null,
        MaxSegmentSize = 1460,
        WindowScale = 0,
        SackPermitted = true,
    };

    private static readonly TcpRepr Rst = Out with { Control = TcpControl.Rst, AckNumber = null, WindowLength = 0 };

    // LISTEN (§3.10.7.2) is the host's listener: TcpHostListenTests.

    // ---- SYN-RECEIVED -----------------------------------------------------------------------

    [Fact]
    public void SynReceived_ValidAck_BecomesEstablished()
    {
        var h = SynReceived();
        h.Send(In);
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.True(h.Tcb.CanSend);
    }

    [Fact]
    public void SynReceived_UnacceptableAck_SendsRst()
    {
        var h = SynReceived();
        h.Send(In with { AckNumber = LocalIsn + 100 });
        h.Expect(Rst with { SeqNumber = LocalIsn + 100 });
        Assert.Equal(TcpState.SynReceived, h.Tcb.State);
    }

    [Fact]
    public void SynReceived_RetransmittedSyn_ResendsSynAck()
    {
        var h = SynReceived();
        h.Send(Syn, atMs: 100);
        h.Expect(SynAck);
        Assert.Equal(TcpState.SynReceived, h.Tcb.State);
    }

    [Fact]
    public void SynReceived_NoAck_RetransmitsSynAckThenGivesUp()
    {
        var h = SynReceived(DefaultConfig with { SynRetries = 2 });
        var sent = h.RunUntil(10_000);
        Assert.Equal([1000L, 3000L], sent.Select(s => s.AtMs));
        Assert.All(sent, s => Assert.Equal(SynAck, s.Segment));
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.TimedOut, h.Tcb.Error);
    }

    [Fact]
    public void SynReceived_Fin_BecomesCloseWait()
    {
        var h = SynReceived();
        h.Send(In with { Control = TcpControl.Fin });
        h.Expect(Out with { AckNumber = RemoteIsn + 2 });
        Assert.Equal(TcpState.CloseWait, h.Tcb.State);
    }

    // ---- SYN-SENT (§3.10.7.3) ---------------------------------------------------------------

    [Fact]
    public void Closed_Connect_SendsSynWithOptions()
    {
        var h = Closed();
        h.Tcb.Connect(h.Now, LocalIsn);
        h.Expect(OurSyn);
        Assert.Equal(TcpState.SynSent, h.Tcb.State);
    }

    [Fact]
    public void SynSent_SynAck_BecomesEstablishedAndAcks()
    {
        var h = SynSent();
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1400 }, atMs: 30);
        h.Expect(Out);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.Equal(1400, h.Tcb.SendMss);
        Assert.Equal(TimeSpan.FromMilliseconds(30), h.Tcb.GetInfo().SmoothedRtt);
    }

    [Fact]
    public void SynSent_SynAckWithoutMss_Uses536()
    {
        var h = SynSent();
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn });
        h.Expect(Out);
        Assert.Equal(536, h.Tcb.SendMss);
    }

    [Fact]
    public void SynSent_RstWithAcceptableAck_IsRefused()
    {
        var h = SynSent();
        h.Send(In with { Control = TcpControl.Rst, SeqNumber = new SeqNumber(0) });
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.ConnectionRefused, h.Tcb.Error);
    }

    [Fact]
    public void SynSent_RstWithoutAck_IsIgnored()
    {
        var h = SynSent();
        h.Send(In with { Control = TcpControl.Rst, AckNumber = null });
        h.ExpectNothing();
        Assert.Equal(TcpState.SynSent, h.Tcb.State);
    }

    [Fact]
    public void SynSent_UnacceptableAck_SendsRst()
    {
        var h = SynSent();
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, AckNumber = LocalIsn + 50 });
        h.Expect(Rst with { SeqNumber = LocalIsn + 50 });
        Assert.Equal(TcpState.SynSent, h.Tcb.State);
    }

    [Fact]
    public void SynSent_RstWithUnacceptableAck_IsDropped()
    {
        var h = SynSent();
        h.Send(In with { Control = TcpControl.Rst, AckNumber = LocalIsn + 50 });
        h.ExpectNothing();
        Assert.Equal(TcpState.SynSent, h.Tcb.State);
    }

    [Fact]
    public void SynSent_Syn_SimultaneousOpen_SendsSynAckThenEstablishes()
    {
        var h = SynSent();
        h.Send(Syn);
        h.Expect(SynAck);
        Assert.Equal(TcpState.SynReceived, h.Tcb.State);
        // The peer's SYN-ACK (its SYN again, acknowledging ours) completes the open.
        h.Send(Syn with { AckNumber = LocalIsn + 1 });
        h.Expect(Out);
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void SynSent_NoAnswer_RetriesThenTimesOut()
    {
        var h = SynSent(DefaultConfig with { SynRetries = 3 });
        var sent = h.RunUntil(60_000);
        Assert.Equal([1000L, 3000L, 7000L], sent.Select(s => s.AtMs));
        Assert.All(sent, s => Assert.Equal(OurSyn, s.Segment));
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.TimedOut, h.Tcb.Error);
    }

    [Fact]
    public void SynSent_IcmpHostUnreachable_FailsWithHostUnreachable()
    {
        var h = SynSent();
        h.Tcb.OnIcmpError(h.Now, TcpIcmpError.HostUnreachable);
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.HostUnreachable, h.Tcb.Error);
        h.ExpectNothing();
    }

    [Fact]
    public void Established_IcmpHostUnreachable_IsSoftError()
    {
        var h = Established();
        h.Tcb.OnIcmpError(h.Now, TcpIcmpError.HostUnreachable);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.Equal(TcpIcmpError.HostUnreachable, h.Tcb.LastSoftError);
    }

    [Fact]
    public void SynSent_Shutdown_SendsFinAfterHandshake()
    {
        var h = SynSent();
        h.Tcb.Shutdown();
        h.Send(In with { Control = TcpControl.Syn, SeqNumber = RemoteIsn, MaxSegmentSize = 1460 });
        Assert.Equal(TcpState.FinWait1, h.Tcb.State);
        h.Expect(Out with { Control = TcpControl.Fin });
    }

    // ---- RST and SYN in synchronized states (§3.10.7.4, RFC 5961) --------------------------

    [Fact]
    public void Established_ExactRst_ResetsConnection()
    {
        var h = Established();
        h.Send(In with { Control = TcpControl.Rst, AckNumber = null });
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.ConnectionReset, h.Tcb.Error);
        Assert.True(h.Tcb.IsReceiveFinished);
    }

    [Fact]
    public void Established_InWindowRst_SendsChallengeAck()
    {
        var h = Established();
        h.Send(In with { Control = TcpControl.Rst, SeqNumber = RemoteIsn + 100 });
        h.Expect(Out);
        Assert.Equal(TcpState.Established, h.Tcb.State);
        Assert.Equal(1, h.Tcb.ChallengeAcks);
    }

    [Fact]
    public void Established_OutOfWindowRst_IsDropped()
    {
        var h = Established();
        h.Send(In with { Control = TcpControl.Rst, SeqNumber = RemoteIsn + 100_000 });
        h.ExpectNothing();
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void Established_Syn_SendsChallengeAck()
    {
        var h = Established();
        h.Send(Syn with { SeqNumber = RemoteIsn + 5000 });
        h.Expect(Out);
        Assert.Equal(TcpState.Established, h.Tcb.State);
    }

    [Fact]
    public void Established_ChallengeAcks_AreRateLimited()
    {
        var h = Established(DefaultConfig with { ChallengeAckLimit = 3 });
        for (int i = 0; i < 10; i++)
        {
            h.Send(In with { Control = TcpControl.Rst, SeqNumber = RemoteIsn + 100 + i });
            h.Dispatch();
        }
        Assert.Equal(3, h.Tcb.ChallengeAcks);
        h.Send(In with { Control = TcpControl.Rst, SeqNumber = RemoteIsn + 100 }, atMs: 1500);
        h.Expect(Out);
    }

    [Fact]
    public void Established_AckForUnsentData_SendsAckAndDrops()
    {
        var h = Established();
        h.Send(In with { AckNumber = LocalIsn + 1000 }, [1, 2, 3]);
        h.Expect(Out);
        Assert.Equal(0, h.Tcb.GetInfo().BytesReceived);
    }

    [Fact]
    public void Established_TooOldAck_SendsChallengeAck()
    {
        var h = Established();
        h.Send(In with { AckNumber = LocalIsn - 200_000 }, [1, 2, 3]);
        h.Expect(Out);
        Assert.Equal(0, h.Tcb.GetInfo().BytesReceived);
    }

    [Fact]
    public void Established_OutOfWindowSegment_SendsAck()
    {
        var h = Established();
        h.Send(In with { SeqNumber = RemoteIsn + 200_000 }, [1, 2, 3]);
        h.Expect(Out);
    }

    [Fact]
    public void Established_SegmentWithoutAck_IsDropped()
    {
        var h = Established();
        h.Send(In with { AckNumber = null }, [1, 2, 3]);
        h.ExpectNothing();
        Assert.False(h.Tcb.CanReceive);
    }

    [Fact]
    public void FinWait2_InWindowRst_SendsChallengeAckExactRstCloses()
    {
        var h = FinWait2();
        h.Send(In with { Control = TcpControl.Rst, SeqNumber = RemoteIsn + 10 });
        h.Expect(Out with { SeqNumber = LocalIsn + 2 });
        h.Send(In with { Control = TcpControl.Rst });
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.ConnectionReset, h.Tcb.Error);
    }

    [Fact]
    public void TimeWait_Rst_Closes()
    {
        var h = TimeWait();
        h.Send(In with { Control = TcpControl.Rst, SeqNumber = RemoteIsn + 2 });
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.None, h.Tcb.Error);
    }

    // ---- Closing (§3.10.4, §3.10.7.4 eighth) ------------------------------------------------

    [Fact]
    public void Established_Shutdown_SendsFinBecomesFinWait1()
    {
        var h = FinWait1();
        Assert.Equal(TcpState.FinWait1, h.Tcb.State);
        Assert.False(h.Tcb.IsSendOpen);
        Assert.Equal(0, h.Tcb.Send([1]));
    }

    [Fact]
    public void FinWait1_AckOfFin_BecomesFinWait2()
    {
        var h = FinWait2();
        Assert.True(h.Tcb.IsSendFinished);
    }

    [Fact]
    public void FinWait1_FinAndAck_BecomesTimeWait()
    {
        var h = FinWait1();
        h.Send(In with { Control = TcpControl.Fin, AckNumber = LocalIsn + 2 });
        h.Expect(Out with { SeqNumber = LocalIsn + 2, AckNumber = RemoteIsn + 2 });
        Assert.Equal(TcpState.TimeWait, h.Tcb.State);
    }

    [Fact]
    public void FinWait1_Fin_BecomesClosing()
    {
        var h = Closing();
        Assert.Equal(TcpState.Closing, h.Tcb.State);
    }

    [Fact]
    public void Closing_AckOfFin_BecomesTimeWait()
    {
        var h = Closing();
        h.Send(In with { SeqNumber = RemoteIsn + 2, AckNumber = LocalIsn + 2 });
        h.ExpectNothing();
        Assert.Equal(TcpState.TimeWait, h.Tcb.State);
    }

    [Fact]
    public void FinWait2_Fin_BecomesTimeWait()
    {
        var h = TimeWait();
        Assert.True(h.Tcb.IsReceiveFinished);
    }

    [Fact]
    public void FinWait2_ReceivesDataAfterHalfClose()
    {
        var h = FinWait2();
        h.Send(In with { AckNumber = LocalIsn + 2 }, [1, 2, 3]);
        var buf = new byte[10];
        Assert.Equal(3, h.Tcb.Receive(buf));
        Assert.Equal(TcpState.FinWait2, h.Tcb.State);
    }

    [Fact]
    public void FinWait2_AfterClose_TimesOutToClosed()
    {
        var h = FinWait1(DefaultConfig with { FinWait2Timeout = TimeSpan.FromSeconds(5) });
        h.Tcb.Close();
        h.Send(In with { AckNumber = LocalIsn + 2 });
        Assert.Equal(TcpState.FinWait2, h.Tcb.State);
        h.RunUntil(4_900);
        Assert.Equal(TcpState.FinWait2, h.Tcb.State);
        h.RunUntil(5_000);
        Assert.Equal(TcpState.Closed, h.Tcb.State);
    }

    [Fact]
    public void CloseWait_Shutdown_SendsFinBecomesLastAck()
    {
        var h = LastAck();
        Assert.Equal(TcpState.LastAck, h.Tcb.State);
    }

    [Fact]
    public void LastAck_AckOfFin_BecomesClosed()
    {
        var h = LastAck();
        h.Send(In with { SeqNumber = RemoteIsn + 2, AckNumber = LocalIsn + 2 });
        h.ExpectNothing();
        Assert.Equal(TcpState.Closed, h.Tcb.State);
        Assert.Equal(TcpError.None, h.Tcb.Error);
    }

    [Fact]
    public void LastAck_FinLost_RetransmitsFin()
    {
        var h = LastAck();
        var sent = h.RunUntil(300); // RTO = the 200 ms floor after a 0 ms handshake RTT
        Assert.Equal([(200L, Out with { Control = TcpControl.Fin, AckNumber = RemoteIsn + 2 })], sent);
    }

    [Fact]
    public void TimeWait_After2Msl_BecomesClosed()
    {
        var h = TimeWait(); // MSL = 1 s in the harness
        h.RunUntil(1_999);
        Assert.Equal(TcpState.TimeWait, h.Tcb.State);
        h.RunUntil(2_000);
        Assert.Equal(TcpState.Closed, h.Tcb.State);
    }

    [Fact]
    public void TimeWait_RetransmittedFin_IsAckedAndRestartsTimer()
    {
        var h = TimeWait();
        h.Send(In with { Control = TcpControl.Fin, AckNumber = LocalIsn + 2 }, atMs: 1_500);
        h.Expect(Out with { SeqNumber = LocalIsn + 2, AckNumber = RemoteIsn + 2 });
        h.RunUntil(3_000);
        Assert.Equal(TcpState.TimeWait, h.Tcb.State);
        h.RunUntil(3_500);
        Assert.Equal(TcpState.Closed, h.Tcb.State);
    }

    [Fact]
    public void TimeWait_HoldsNoBuffers()
    {
        var h = TimeWait();
        Assert.Equal(0, h.Tcb.GetInfo().SendQueue);
        Assert.False(h.Tcb.CanSend);
        Assert.False(h.Tcb.CanReceive);
    }

    [Fact]
    public void Established_Abort_SendsRst()
    {
        var h = Established();
        h.Tcb.Abort();
        h.Expect(Out with { Control = TcpControl.Rst, WindowLength = 0 });
        Assert.Equal(TcpState.Closed, h.Tcb.State);
    }

    [Fact]
    public void Established_CloseWithUnreadData_SendsRst()
    {
        var h = Established();
        h.Send(In, [1, 2, 3]);
        h.Tcb.Close();
        h.Expect(Out with { Control = TcpControl.Rst, AckNumber = RemoteIsn + 4, WindowLength = 0 });
        Assert.Equal(TcpState.Closed, h.Tcb.State);
    }

    [Fact]
    public void FinWait2_DataAfterClose_SendsRst()
    {
        var h = FinWait1();
        h.Tcb.Close();
        h.Send(In with { AckNumber = LocalIsn + 2 }, [1, 2, 3]);
        h.Expect(Out with { Control = TcpControl.Rst, SeqNumber = LocalIsn + 2, AckNumber = RemoteIsn + 1, WindowLength = 0 });
        Assert.Equal(TcpState.Closed, h.Tcb.State);
    }

    [Fact]
    public void SimultaneousClose_BothFinsCross_EndInTimeWait()
    {
        var h = Closing();
        h.Send(In with { SeqNumber = RemoteIsn + 2, AckNumber = LocalIsn + 2 });
        Assert.Equal(TcpState.TimeWait, h.Tcb.State);
    }
}
