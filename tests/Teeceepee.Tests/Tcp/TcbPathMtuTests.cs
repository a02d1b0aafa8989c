using Teeceepee.Tcp;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>Packetization-layer PMTU discovery (RFC 4821): black-hole detection, the fall to the base size, probes upward.</summary>
public class TcbPathMtuTests
{
    private static readonly TcpConfig s_probing = DefaultConfig with { MtuProbing = true };

    /// <summary>IPv4 + TCP headers without options (timestamps are off in the harness).</summary>
    private const int Overhead = 40;
    private const int BaseMss = Tcb.BasePathMtu - Overhead;

    /// <summary>ESTABLISHED with 20 full segments queued and the first ten out, none of which arrives.</summary>
    private static TcbHarness BlackHoled()
    {
        var h = Established(s_probing);
        h.Tcb.Send(Bytes(20 * 1460));
        Assert.All(h.Dispatch(), s => Assert.Equal(1460, s.PayloadLength));
        return h;
    }

    [Fact]
    public void Established_OneTimeoutOfAFullSegment_KeepsTheMss()
    {
        var h = BlackHoled();
        var sent = h.RunUntil(300);
        Assert.Equal(1460, Assert.Single(sent).Segment.PayloadLength);
        Assert.Equal(0, h.Tcb.GetInfo().BlackHolesDetected);
    }

    [Fact]
    public void Established_SecondTimeoutOfAFullSegment_FallsToTheBaseSize()
    {
        var h = BlackHoled();
        var sent = h.RunUntil(700);
        Assert.Equal([1460, BaseMss], sent.Select(s => s.Segment.PayloadLength));
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.BlackHolesDetected);
        Assert.Equal(BaseMss, info.Mss);
        Assert.Equal(Tcb.BasePathMtu, info.PathMtu);
        // The rest of the go-back-N goes at the base size too: retransmissions are cut from the ring at the current MSS.
        h.Send(In with { AckNumber = LocalIsn + 1 + BaseMss }, atMs: 710);
        Assert.All(h.Dispatch(), s => Assert.True(s.PayloadLength <= BaseMss));
    }

    [Fact]
    public void Established_SmallSegmentsTimingOut_NoBlackHole()
    {
        var h = Established(s_probing);
        h.Tcb.Send(Bytes(500));
        h.Dispatch();
        h.RunUntil(2000);
        Assert.Equal(0, h.Tcb.GetInfo().BlackHolesDetected);
        Assert.Equal(1460, h.Tcb.SendMss);
    }

    [Fact]
    public void AfterBlackHole_ProbeAcknowledged_MssGrowsToTheProbe()
    {
        var h = BlackHoled();
        h.RunUntil(700);
        // Everything the peer got so far is acknowledged (at the base size); slow start gives room for a probe.
        var una = LocalIsn + 1 + BaseMss;
        h.Send(In with { AckNumber = una }, atMs: 710);
        var probe = (Tcb.BasePathMtu + 1500 + 1) / 2 - Overhead;
        SeqNumber probeSeq = default;
        for (int round = 0; round < 20 && probeSeq == default; round++)
        {
            var segs = h.Dispatch();
            Assert.All(segs, s => Assert.True(s.PayloadLength <= BaseMss || s.PayloadLength == probe, $"odd segment {s.PayloadLength}"));
            if (segs.FirstOrDefault(s => s.PayloadLength == probe) is { PayloadLength: > 0 } p)
                probeSeq = p.SeqNumber;
            una = segs.Count > 0 ? segs[^1].SeqNumber + segs[^1].PayloadLength : una;
            h.Send(In with { AckNumber = una }, atMs: h.NowMs + 10);
        }
        Assert.NotEqual(default, probeSeq);
        var info = h.Tcb.GetInfo();
        Assert.Equal(1, info.MtuProbes);
        Assert.Equal(0, info.MtuProbesFailed);
        Assert.Equal(probe, info.Mss);
    }

    [Fact]
    public void AfterBlackHole_ProbeResent_CountsAsLostAndGoesAgainAtTheBaseSize()
    {
        var h = BlackHoled();
        h.RunUntil(700);
        var una = LocalIsn + 1 + BaseMss;
        h.Send(In with { AckNumber = una }, atMs: 710);
        int firstProbe = (Tcb.BasePathMtu + 1500 + 1) / 2 - Overhead;
        TcpRepr? probe = null;
        for (int round = 0; round < 20 && probe is null; round++)
        {
            var segs = h.Dispatch();
            probe = segs.Where(s => s.PayloadLength == firstProbe).Select(s => (TcpRepr?)s).FirstOrDefault();
            if (probe is null && segs.Count > 0)
            {
                una = segs[^1].SeqNumber + segs[^1].PayloadLength;
                h.Send(In with { AckNumber = una }, atMs: h.NowMs + 10);
            }
        }
        Assert.NotNull(probe);
        // The probe vanishes (what went before it arrives): the timer resends its octets at the base size.
        h.Send(In with { AckNumber = probe.Value.SeqNumber }, atMs: h.NowMs + 10);
        h.Dispatch();
        var resent = h.RunUntil(h.NowMs + 1000);
        Assert.Contains(resent, s => s.Segment.SeqNumber == probe.Value.SeqNumber && s.Segment.PayloadLength <= BaseMss);
        Assert.Equal(1, h.Tcb.GetInfo().MtuProbesFailed);
        Assert.Equal(BaseMss, h.Tcb.SendMss);
    }
}
