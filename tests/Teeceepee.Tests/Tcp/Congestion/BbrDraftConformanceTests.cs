using Teeceepee.Tcp.Congestion;

namespace Teeceepee.Tests.Tcp.Congestion;

/// <summary>
/// Rules of draft-ietf-ccwg-bbr-06 that the controller once missed, each on virtual time through <see cref="BbrAckFeed"/>:
/// Drain's gain and exit (§5.3.2), C.inflight as the pipe, no cwnd cut in fast recovery (§5.6.4.4), the rate sampler's
/// minimum interval (§4.1.2.3), CE marks as congestion (§3.7), precautionary probing (§5.3.3.6), raising
/// inflight_longterm from tx_in_flight in recovery (§5.3.3.9), the undo of a spurious recovery (§5.5.11).
/// </summary>
public class BbrDraftConformanceTests
{
    private const int Mss = BbrAckFeed.Mss;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public void Drain_PacesAtHalfTheBandwidth_AndEndsAfterThreeRoundsWhenTheQueueStays()
    {
        var feed = new BbrAckFeed();
        feed.Pipe = 3 * feed.Bdp; // the queue never drains: only the round bound can end Drain
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.Drain, Limit));
        Assert.Equal(0.5, feed.Cc.PacingGain);
        long entered = feed.Cc.RoundCount;
        Assert.True(feed.RunUntil(cc => cc.State != BbrState.Drain, TimeSpan.FromSeconds(2)), "Drain never ended");
        Assert.InRange(feed.Cc.RoundCount - entered, 3, 5);
        Assert.Equal(BbrState.ProbeBwDown, feed.Cc.State);
    }

    [Fact]
    public void Drain_PipeAtTheBdp_EndsAtOnceThoughSackedDataKeepsTheFlightLarge()
    {
        // C.inflight is the pipe: octets SACKed above a hole left the network though SND.MAX − SND.UNA still counts them.
        var feed = new BbrAckFeed();
        feed.Flight = 4 * feed.Bdp;
        feed.Pipe = 3 * feed.Bdp;
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.Drain, Limit));
        feed.Pipe = feed.Bdp / 2;
        feed.Ack();
        Assert.Contains(feed.Cc.State, new[] { BbrState.ProbeBwDown, BbrState.ProbeBwCruise });
    }

    [Fact]
    public void FastRecovery_Loss_LeavesCwndToTheModel()
    {
        var feed = new BbrAckFeed();
        feed.Run(TimeSpan.FromSeconds(1));
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.ProbeBwCruise, Limit));
        int before = feed.Cc.Window;
        feed.Cc.OnRecoveryStart(before);
        feed.Cc.OnLossDetected(10 * Mss, before);
        Assert.Equal(before, feed.Cc.Window); // no per-loss cut (the draft's text since -01 dropped it)
        feed.Ack();
        Assert.True(feed.Cc.Window >= before, $"cwnd {feed.Cc.Window} fell below {before}: packet conservation held it");
    }

    [Fact]
    public void RateSample_ShorterThanTheMinRtt_IsNoBandwidthSample()
    {
        var feed = new BbrAckFeed();
        feed.Run(TimeSpan.FromSeconds(1));
        long maxBw = feed.Cc.MaxBandwidth;
        Assert.InRange(maxBw, (long)(0.9 * feed.Bandwidth), (long)(1.1 * feed.Bandwidth));
        // A stretch ACK's sample over 5 ms (an RTT is 40 ms) would read 8× the path: GenerateRateSample drops it.
        feed.Ack(interval: TimeSpan.FromMilliseconds(5));
        Assert.Equal(maxBw, feed.Cc.MaxBandwidth);
    }

    [Fact]
    public void EcnEcho_InCruise_CutsTheShortTermModelAtTheRoundEnd()
    {
        var feed = new BbrAckFeed();
        feed.Run(TimeSpan.FromSeconds(1));
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.ProbeBwCruise, Limit));
        Assert.Equal(long.MaxValue, feed.Cc.InflightLow);
        feed.Cc.OnEcnEcho(feed.Cc.Window);
        feed.RunRounds(2);
        Assert.Equal(BbrState.ProbeBwCruise, feed.Cc.State);
        Assert.NotEqual(long.MaxValue, feed.Cc.InflightLow);
        Assert.NotEqual(long.MaxValue, feed.Cc.BandwidthLow);
    }

    /// <summary>Runs into ProbeBW_UP and loses 5 % of the flight there: the probe went too high.</summary>
    private static BbrAckFeed ProbeThatWentTooHigh(out long inflightHiBefore)
    {
        var feed = new BbrAckFeed();
        feed.Run(TimeSpan.FromSeconds(1));
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.ProbeBwUp, Limit));
        feed.RunRounds(1); // the probe's own samples arrive
        inflightHiBefore = feed.Cc.InflightHigh;
        int flight = (int)feed.ModelFlight;
        feed.Cc.OnRecoveryStart(flight);
        feed.Cc.OnLossDetected(flight / 20, flight);
        Assert.Equal(BbrState.ProbeBwDown, feed.Cc.State);
        Assert.True(feed.Cc.InflightHigh < inflightHiBefore);
        return feed;
    }

    [Fact]
    public void SpuriousRecovery_OfTheLossThatEndedProbeBwUp_RestoresInflightHighAndProbesAgain()
    {
        var feed = ProbeThatWentTooHigh(out long inflightHiBefore);
        feed.Cc.OnSpuriousRecovery();
        Assert.Equal(inflightHiBefore, feed.Cc.InflightHigh);
        Assert.Equal(BbrState.ProbeBwRefill, feed.Cc.State);
    }

    [Fact]
    public void ProbeBwUp_AfterAProbeThatWentTooHigh_LeavesAtInflightHigh_ThenRefillsAfterARoundWithoutLoss()
    {
        var feed = ProbeThatWentTooHigh(out _);
        feed.Cc.OnRecoveryEnd(0);
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.ProbeBwRefill, TimeSpan.FromSeconds(4)));
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.ProbeBwUp, TimeSpan.FromSeconds(1)));
        // Precautionary deceleration: inflight reached the level that lost too much last time, so UP ends at once.
        feed.Pipe = feed.Cc.InflightHigh;
        feed.Ack();
        Assert.Equal(BbrState.ProbeBwDown, feed.Cc.State);
        feed.Pipe = null;
        // Precautionary acceleration: a round of feedback without loss, and the flow probes again (no 2-3 s wait).
        var down = feed.Now;
        Assert.True(feed.RunUntil(cc => cc.State == BbrState.ProbeBwRefill, TimeSpan.FromSeconds(1)), $"still {feed.Cc.State}");
        Assert.True(feed.Now - down < 4 * feed.Rtt, $"REFILL after {(feed.Now - down).TotalMilliseconds} ms");
    }

    [Fact]
    public void ProbeBw_InRecoveryWithLossBelowTheThreshold_RaisesInflightHighToTxInFlight()
    {
        var feed = ProbeThatWentTooHigh(out _);
        feed.RunRounds(3); // past the lossy round
        long hi = feed.Cc.InflightHigh;
        Assert.True(feed.Cc.InRecovery);
        feed.Ack(txInFlight: hi + (20 * Mss));
        Assert.Equal(hi + (20 * Mss), feed.Cc.InflightHigh);
    }
}
