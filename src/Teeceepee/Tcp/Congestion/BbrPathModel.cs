namespace Teeceepee.Tcp.Congestion;

/// <summary>
/// BBR's network path model (draft-ietf-ccwg-bbr "Network Path Model"): max_bw as a windowed maximum over the last two
/// ProbeBW cycles, min_rtt over 10 s with the 5 s ProbeRTT filter, the lower bounds bw_lo/inflight_lo, the upper bound
/// inflight_hi, the latest delivery signals and the ACK-aggregation estimate extra_acked.
/// </summary>
internal sealed class BbrPathModel
{
    private const long Infinite = long.MaxValue;

    private readonly double[] _bwHi = new double[2];      // max_bw filter: this cycle's and the last cycle's maximum
    private readonly long[] _extraAcked = new long[2];    // extra_acked filter slots, one per ExtraAckedFilterLen rounds
    private int _extraAckedSlot;
    private long _extraAckedRounds;
    private Instant _extraAckedIntervalStart;
    private long _extraAckedDelivered;

    /// <summary>BBR.max_bw.</summary>
    public double MaxBw => Math.Max(_bwHi[0], _bwHi[1]);

    /// <summary>BBR.bw = min(max_bw, bw_lo).</summary>
    public double Bw { get; private set; }

    /// <summary>BBR.bw_lo; <see cref="double.PositiveInfinity"/> while unset.</summary>
    public double BwLo { get; private set; } = double.PositiveInfinity;

    /// <summary>BBR.inflight_hi.</summary>
    public long InflightHi { get; set; } = Infinite;

    /// <summary>BBR.inflight_lo.</summary>
    public long InflightLo { get; private set; } = Infinite;

    /// <summary>BBR.bw_latest.</summary>
    public double BwLatest { get; private set; }

    /// <summary>BBR.inflight_latest.</summary>
    public long InflightLatest { get; private set; }

    /// <summary>BBR.min_rtt.</summary>
    public TimeSpan MinRtt { get; private set; } = TimeSpan.MaxValue;

    private Instant _minRttStamp;

    /// <summary>BBR.probe_rtt_min_delay.</summary>
    public TimeSpan ProbeRttMinDelay { get; private set; } = TimeSpan.MaxValue;

    /// <summary>BBR.probe_rtt_min_stamp.</summary>
    public Instant ProbeRttMinStamp { get; set; }

    /// <summary>BBR.extra_acked: octets delivered beyond what bw explains (ACK aggregation).</summary>
    public long ExtraAcked => Math.Max(_extraAcked[0], _extraAcked[1]);

    /// <summary>Fresh state (BBRInitWindowedMaxFilter and friends).</summary>
    public void Reset(long cwnd)
    {
        _bwHi[0] = _bwHi[1] = 0;
        Bw = 0;
        InflightHi = Infinite;
        ResetLowerBounds();
    }

    /// <summary>Updates the max_bw filter with a rate sample (BBRUpdateMaxBw).</summary>
    public void UpdateMaxBw(double rate) => _bwHi[1] = Math.Max(_bwHi[1], rate);

    /// <summary>BBRAdvanceMaxBwFilter: a ProbeBW cycle ended; the filter now spans the last one and this one.</summary>
    public void AdvanceMaxBwFilter()
    {
        if (_bwHi[1] == 0)
            return;
        _bwHi[0] = _bwHi[1];
        _bwHi[1] = 0;
    }

    /// <summary>BBRUpdateLatestDeliverySignals: the largest rate and delivered volume seen this round.</summary>
    public void NoteLatest(double rate, long delivered)
    {
        BwLatest = Math.Max(BwLatest, rate);
        InflightLatest = Math.Max(InflightLatest, delivered);
    }

    /// <summary>BBRAdvanceLatestDeliverySignals: a new loss round starts from this sample.</summary>
    public void AdvanceLatest(double rate, long delivered)
    {
        BwLatest = rate;
        InflightLatest = delivered;
    }

    /// <summary>BBRResetCongestionSignals.</summary>
    public void ResetCongestionSignals()
    {
        BwLatest = 0;
        InflightLatest = 0;
    }

    /// <summary>BBRResetLowerBounds.</summary>
    public void ResetLowerBounds()
    {
        BwLo = double.PositiveInfinity;
        InflightLo = Infinite;
    }

    /// <summary>BBRInitLowerBounds then BBRLossLowerBounds: bw_lo, inflight_lo = max(latest, β × themselves).</summary>
    public void LossLowerBounds(long cwnd, double beta)
    {
        if (double.IsPositiveInfinity(BwLo))
            BwLo = MaxBw;
        if (InflightLo == Infinite)
            InflightLo = cwnd;
        BwLo = Math.Max(BwLatest, beta * BwLo);
        InflightLo = Math.Max(InflightLatest, (long)(beta * InflightLo));
    }

    /// <summary>HandleSpuriousLossDetection: the bounds become at least what they were before the spurious recovery.</summary>
    public void RestoreBounds(double bwLo, long inflightLo, long inflightHi)
    {
        BwLo = Math.Max(BwLo, bwLo);
        InflightLo = Math.Max(InflightLo, inflightLo);
        InflightHi = Math.Max(InflightHi, inflightHi);
    }

    /// <summary>BBRBoundBWForModel.</summary>
    public void BoundBwForModel() => Bw = Math.Min(MaxBw, BwLo);

    /// <summary>
    /// BBRUpdateMinRTT: the 5 s ProbeRTT filter and the 10 s min_rtt filter. Returns true when the ProbeRTT filter
    /// expired (no new minimum for ProbeRTTInterval): time for ProbeRTT.
    /// </summary>
    public bool UpdateMinRtt(Instant now, TimeSpan? sample, TimeSpan probeRttInterval, TimeSpan minRttFilter)
    {
        bool probeRttExpired = ProbeRttMinDelay != TimeSpan.MaxValue && now > ProbeRttMinStamp + probeRttInterval;
        if (sample is { } rtt && rtt >= TimeSpan.Zero && (rtt < ProbeRttMinDelay || probeRttExpired))
        {
            ProbeRttMinDelay = rtt;
            ProbeRttMinStamp = now;
        }
        bool minRttExpired = MinRtt != TimeSpan.MaxValue && now > _minRttStamp + minRttFilter;
        if (ProbeRttMinDelay < MinRtt || minRttExpired)
        {
            MinRtt = ProbeRttMinDelay;
            _minRttStamp = ProbeRttMinStamp;
        }
        return probeRttExpired;
    }

    /// <summary>
    /// BBRUpdateACKAggregation: octets ACKed beyond bw × the interval since aggregation began, capped by cwnd, as a
    /// windowed maximum over <paramref name="filterRounds"/> rounds.
    /// </summary>
    public void UpdateAckAggregation(Instant now, long newlyAcked, long cwnd, bool roundStart, int filterRounds)
    {
        if (roundStart && ++_extraAckedRounds >= filterRounds)
        {
            _extraAckedRounds = 0;
            _extraAckedSlot ^= 1;
            _extraAcked[_extraAckedSlot] = 0;
        }
        if (newlyAcked <= 0 || Bw <= 0)
            return;
        double expected = Bw * (now - _extraAckedIntervalStart).TotalSeconds;
        if (_extraAckedDelivered <= expected)
        {
            _extraAckedDelivered = 0;
            _extraAckedIntervalStart = now;
            expected = 0;
        }
        _extraAckedDelivered += newlyAcked;
        long extra = Math.Min((long)(_extraAckedDelivered - expected), cwnd);
        _extraAcked[_extraAckedSlot] = Math.Max(_extraAcked[_extraAckedSlot], extra);
    }
}
