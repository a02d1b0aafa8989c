namespace Teeceepee.Tcp;

/// <summary>RFC 6298 retransmission timer state.</summary>
public sealed class RttEstimator
{
    /// <summary>Creates the estimator with its initial RTO and clamps.</summary>
    public RttEstimator(TimeSpan initialRto, TimeSpan minRto, TimeSpan maxRto) => throw new NotImplementedException();

    /// <summary>Current RTO including backoff.</summary>
    public TimeSpan Rto { get; }

    /// <summary>SRTT, or null before the first sample.</summary>
    public TimeSpan? SmoothedRtt { get; }

    /// <summary>RTTVAR.</summary>
    public TimeSpan RttVariance { get; }

    /// <summary>Consecutive timeouts since the last sample.</summary>
    public int BackoffCount { get; }

    /// <summary>Feeds a measurement (RFC 6298 §2.2/2.3); resets backoff.</summary>
    public void OnRttSample(TimeSpan rtt) => throw new NotImplementedException();

    /// <summary>Backs off (RFC 6298 §5.5).</summary>
    public void OnRetransmitTimeout() => throw new NotImplementedException();
}
