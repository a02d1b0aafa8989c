using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;
using static Teeceepee.Tests.Tcp.TcbHarness;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// The seam between the TCB and its congestion controller: ACK events carry delivered bytes, RTT and
/// delivery-rate samples; recovery and PRR (RFC 6937) go through the controller, which owns cwnd.
/// </summary>
public class TcbCongestionHookTests
{
    private const int Mss = 1460;

    private static SeqNumber Seg(int i) => LocalIsn + 1 + (i * Mss);

    private static (TcbHarness H, RecordingController Cc) EstablishedWithSack()
    {
        var events = new List<string>();
        RecordingController? last = null;
        var config = DefaultConfig with { CongestionControllerFactory = mss => last = new RecordingController(mss, events) };
        var h = Passive(config);
        h.Send(Syn with { SackPermitted = true });
        h.Dispatch();
        h.Send(In);
        return (h, last!);
    }

    private static TcpRepr AckWithSack(int ackSeg, params (int From, int To)[] segs)
    {
        var blocks = new TcpSackBlocks();
        foreach (var (from, to) in segs)
            blocks.TryAdd(new TcpSackBlock(Seg(from), Seg(to)));
        return In with { AckNumber = Seg(ackSeg), SackBlocks = blocks };
    }

    [Fact]
    public void Established_AckOfData_ControllerSeesDeliveredBytesAndRttSample()
    {
        var (h, cc) = EstablishedWithSack();
        h.Tcb.Send(Bytes(4 * Mss));
        Assert.Equal(4, h.Dispatch().Count);
        h.Send(In with { AckNumber = Seg(2) }, atMs: 40);
        var ack = Assert.Single(cc.Acks);
        Assert.Equal(2 * Mss, ack.BytesAcked);
        Assert.Equal(2 * Mss, ack.BytesDelivered);
        Assert.Equal(4 * Mss, ack.BytesInFlight);
        Assert.False(ack.IsDuplicate);
        // Timestamps are off in the harness: the timed first segment measures the RTT (RFC 6298 §3).
        Assert.Equal(TimeSpan.FromMilliseconds(40), ack.RttSample);
        Assert.True(ack.RoundStart);
        Assert.True(ack.Rate.IsValid);
        Assert.Equal(2 * Mss, ack.Rate.Delivered);
        Assert.Equal(TimeSpan.FromMilliseconds(40), ack.Rate.Interval);
    }

    [Fact]
    public void Established_DuplicateAckWithSack_ControllerSeesSackedBytesAsDelivered()
    {
        var (h, cc) = EstablishedWithSack();
        h.Tcb.Send(Bytes(6 * Mss));
        h.Dispatch();
        h.Send(AckWithSack(0, (1, 2)), atMs: 10);
        var ack = Assert.Single(cc.Acks);
        Assert.True(ack.IsDuplicate);
        Assert.Equal(0, ack.BytesAcked);
        Assert.Equal(Mss, ack.BytesDelivered);
        Assert.Null(ack.RttSample);
    }

    [Fact]
    public void SackRecovery_EveryAck_PrrQuotaGoesThroughTheControllerWhichOwnsCwnd()
    {
        var (h, cc) = EstablishedWithSack();
        h.Tcb.Send(Bytes(10 * Mss));
        Assert.Equal(10, h.Dispatch().Count);
        // Three SACKed segments above the hole: IsLost, recovery starts (RFC 6675 §5) and the hole is resent at once.
        h.Send(AckWithSack(0, (1, 4)), atMs: 5);
        Assert.Contains("recovery-start", cc.Events);
        Assert.Equal(Seg(0), h.Dispatch()[0].SeqNumber);
        int quotasBefore = cc.Quotas.Count;
        h.Send(AckWithSack(0, (1, 5)), atMs: 6);
        Assert.Equal(quotasBefore + 1, cc.Quotas.Count);
        var (pipe, sndcnt) = cc.Quotas[^1];
        // RFC 6937: cwnd = pipe + sndcnt, set by the controller, and what GetInfo reports.
        Assert.Equal(pipe + Math.Max(0, sndcnt), h.Tcb.GetInfo().CongestionWindow);
        Assert.Equal(cc.Window, h.Tcb.GetInfo().CongestionWindow);
        // A full ACK ends recovery through the controller.
        h.Dispatch();
        h.Send(In with { AckNumber = Seg(10) }, atMs: 7);
        Assert.Contains("recovery-end", cc.Events);
    }

    [Fact]
    public void Timeout_ControllerSeesRetransmitTimeout()
    {
        var (h, cc) = EstablishedWithSack();
        h.Tcb.Send(Bytes(Mss));
        h.Dispatch();
        h.RunUntil(1500);
        Assert.Contains("rto", cc.Events);
        Assert.Equal(Mss, h.Tcb.GetInfo().CongestionWindow);
    }

    /// <summary>NewReno that records what the TCB tells it.</summary>
    private sealed class RecordingController(int mss, List<string> events) : ICongestionController
    {
        private readonly NewRenoCongestionController _inner = new(mss);

        public List<string> Events { get; } = events;
        public List<TcpAckEvent> Acks { get; } = [];
        public List<(long Pipe, long Quota)> Quotas { get; } = [];

        public int Window => _inner.Window;
        public int SlowStartThreshold => _inner.SlowStartThreshold;
        public bool InRecovery => _inner.InRecovery;
        public long PacingRate => 0;

        public void SetMss(int mss) => _inner.SetMss(mss);

        public void OnAck(in TcpAckEvent ack)
        {
            if (ack.BytesDelivered > 0 || ack.IsDuplicate)
                Acks.Add(ack);
            _inner.OnAck(ack);
        }

        public void OnLossDetected(long bytesLost, int bytesInFlight) => Events.Add("loss");

        public void OnRecoveryStart(int bytesInFlight)
        {
            Events.Add("recovery-start");
            _inner.OnRecoveryStart(bytesInFlight);
        }

        public void OnDuplicateAck(int bytesInFlight) => _inner.OnDuplicateAck(bytesInFlight);

        public void OnPartialAck(int bytesAcked) => _inner.OnPartialAck(bytesAcked);

        public void OnRecoveryQuota(long pipe, long sendQuota)
        {
            Quotas.Add((pipe, sendQuota));
            _inner.OnRecoveryQuota(pipe, sendQuota);
        }

        public void OnRecoveryEnd(int bytesInFlight)
        {
            Events.Add("recovery-end");
            _inner.OnRecoveryEnd(bytesInFlight);
        }

        public void OnRetransmitTimeout(int bytesInFlight)
        {
            Events.Add("rto");
            _inner.OnRetransmitTimeout(bytesInFlight);
        }

        public void OnSpuriousRecovery() => _inner.OnSpuriousRecovery();

        public void OnEcnEcho(int bytesInFlight) => _inner.OnEcnEcho(bytesInFlight);
    }
}
