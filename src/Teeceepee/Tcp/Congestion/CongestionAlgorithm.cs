namespace Teeceepee.Tcp.Congestion;

/// <summary>The congestion controllers a connection can run (<see cref="TcpConfig.CongestionControl"/>).</summary>
public enum CongestionAlgorithm
{
    /// <summary>CUBIC (RFC 9438) with HyStart++ (RFC 9406), the default as on Linux.</summary>
    Cubic,

    /// <summary>NewReno (RFC 5681, RFC 6582).</summary>
    NewReno,

    /// <summary>BBR (draft-ietf-ccwg-bbr, BBRv3): model-based, always paced.</summary>
    Bbr,

    /// <summary>
    /// BBR with <see cref="BbrLossResponse.LossRateThreshold"/>: only rounds losing more than 2 % cut the short-term model
    /// (CLI <c>bbr-lt</c>); not the draft's default response.
    /// </summary>
    BbrLossTolerant,
}
