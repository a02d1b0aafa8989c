namespace Teeceepee.Tcp.Congestion;

/// <summary>How BBR's short-term model (bw_lo, inflight_lo) answers loss outside bandwidth probing.</summary>
public enum BbrLossResponse
{
    /// <summary>
    /// draft-ietf-ccwg-bbr (§5.5.10.3): every round with any loss cuts bw_lo and inflight_lo to the latest round's
    /// delivery (at most by β). Under random loss every round has one, so the model shrinks ~2 % a round between probes.
    /// </summary>
    Draft,

    /// <summary>
    /// A documented deviation (<c>--congestion bbr-lt</c>): a round cuts the lower bounds only when its losses exceed
    /// BBRLossThresh (2 %) of what it sent by more than two binomial standard deviations, or it saw CE marks; the same
    /// test decides whether a probe's flight was too high (inflight_longterm). Random loss below the threshold leaves
    /// the model alone, as BBRv1 would; a queue that overflows still cuts. Probing and ProbeRTT are the draft's.
    /// </summary>
    LossRateThreshold,
}
