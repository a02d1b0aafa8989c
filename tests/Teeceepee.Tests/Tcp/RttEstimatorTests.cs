using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

public class RttEstimatorTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond));

    private static RttEstimator Create(double minMs = 200, double maxMs = 60_000) => new(Ms(1000), Ms(minMs), Ms(maxMs));

    [Fact]
    public void BeforeAnySample_RtoIsTheInitialRto()
    {
        var rtt = Create();
        Assert.Equal(Ms(1000), rtt.Rto);
        Assert.Null(rtt.SmoothedRtt);
        Assert.Equal(TimeSpan.Zero, rtt.RttVariance);
        Assert.Equal(0, rtt.BackoffCount);
    }

    [Fact]
    public void FirstSample_SrttIsR_RttvarIsHalfR()
    {
        // RFC 6298 §2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4*RTTVAR) = 100 + 200.
        var rtt = Create();
        rtt.OnRttSample(Ms(100));
        Assert.Equal(Ms(100), rtt.SmoothedRtt);
        Assert.Equal(Ms(50), rtt.RttVariance);
        Assert.Equal(Ms(300), rtt.Rto);
    }

    [Fact]
    public void LaterSamples_UseAlphaEighthAndBetaQuarter()
    {
        // RFC 6298 §2.3 with R' = 200: RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5;
        // RTO = 112.5 + 4*62.5 = 362.5.
        var rtt = Create();
        rtt.OnRttSample(Ms(100));
        rtt.OnRttSample(Ms(200));
        Assert.Equal(Ms(62.5), rtt.RttVariance);
        Assert.Equal(Ms(112.5), rtt.SmoothedRtt);
        Assert.Equal(Ms(362.5), rtt.Rto);

        // R' = 80: RTTVAR = 3/4*62.5 + 1/4*32.5 = 55; SRTT = 7/8*112.5 + 10 = 108.4375; RTO = 108.4375 + 220.
        rtt.OnRttSample(Ms(80));
        Assert.Equal(Ms(55), rtt.RttVariance);
        Assert.Equal(Ms(108.4375), rtt.SmoothedRtt);
        Assert.Equal(Ms(328.4375), rtt.Rto);
    }

    [Fact]
    public void TinyVariance_UsesClockGranularity()
    {
        // R = 0.4 ms: 4*RTTVAR = 0.8 ms < G = 1 ms, so RTO = 0.4 + 1.
        var rtt = Create(minMs: 0.1);
        rtt.OnRttSample(Ms(0.4));
        Assert.Equal(Ms(1.4), rtt.Rto);
    }

    [Fact]
    public void SmallRto_IsRaisedToMinimum()
    {
        // 10 + 4*5 = 30 ms, below the 200 ms floor (RFC 6298 §2.4).
        var rtt = Create();
        rtt.OnRttSample(Ms(10));
        Assert.Equal(Ms(200), rtt.Rto);
        Assert.Equal(Ms(10), rtt.SmoothedRtt);
    }

    [Fact]
    public void LargeRto_IsCappedAtMaximum()
    {
        // 50 s + 4*25 s = 150 s, above the 60 s cap (RFC 6298 §2.5).
        var rtt = Create();
        rtt.OnRttSample(Ms(50_000));
        Assert.Equal(Ms(60_000), rtt.Rto);
    }

    [Fact]
    public void Timeouts_DoubleTheRto_UpToTheMaximum()
    {
        var rtt = Create(maxMs: 5000);
        rtt.OnRttSample(Ms(100)); // RTO 300 ms
        double[] expected = [600, 1200, 2400, 4800, 5000, 5000];
        for (int i = 0; i < expected.Length; i++)
        {
            rtt.OnRetransmitTimeout();
            Assert.Equal(i + 1, rtt.BackoffCount);
            Assert.Equal(Ms(expected[i]), rtt.Rto);
        }
    }

    [Fact]
    public void Timeouts_BeforeAnySample_DoubleTheInitialRto()
    {
        var rtt = Create();
        rtt.OnRetransmitTimeout();
        rtt.OnRetransmitTimeout();
        Assert.Equal(Ms(4000), rtt.Rto);
    }

    [Fact]
    public void ManyTimeouts_StayAtTheMaximum()
    {
        var rtt = new RttEstimator(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(200), TimeSpan.MaxValue);
        for (int i = 0; i < 200; i++)
            rtt.OnRetransmitTimeout();
        Assert.True(rtt.Rto >= TimeSpan.FromDays(1000));
    }

    [Fact]
    public void SampleAfterBackoff_ResetsBackoffAndRecomputes()
    {
        // RFC 6298 §5.7: a new measurement after backoff recomputes the RTO from SRTT and RTTVAR.
        var rtt = Create();
        rtt.OnRttSample(Ms(100));
        rtt.OnRetransmitTimeout();
        rtt.OnRetransmitTimeout();
        rtt.OnRttSample(Ms(100));
        Assert.Equal(0, rtt.BackoffCount);
        // RTTVAR = 3/4*50 = 37.5, SRTT = 100: RTO = 250.
        Assert.Equal(Ms(250), rtt.Rto);
    }

    [Fact]
    public void NegativeSample_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Create().OnRttSample(Ms(-1)));
}
