namespace Teeceepee.Tcp.Congestion;

/// <summary>BBR's state machine (draft-ietf-ccwg-bbr "State Machine"): ProbeBW has four sub-phases.</summary>
public enum BbrState
{
    /// <summary>Exponential search for the bottleneck bandwidth (pacing gain 2.77).</summary>
    Startup,

    /// <summary>Drains the queue Startup built (pacing gain 0.35).</summary>
    Drain,

    /// <summary>ProbeBW_DOWN: leaves headroom and drains any queue (pacing gain 0.9).</summary>
    ProbeBwDown,

    /// <summary>ProbeBW_CRUISE: sends at the estimated bandwidth with headroom below inflight_hi.</summary>
    ProbeBwCruise,

    /// <summary>ProbeBW_REFILL: one round at the estimated bandwidth to refill the pipe before probing.</summary>
    ProbeBwRefill,

    /// <summary>ProbeBW_UP: probes for more bandwidth (pacing gain 1.25), raising inflight_hi.</summary>
    ProbeBwUp,

    /// <summary>Cuts inflight to re-measure the path's minimum RTT (every 5 s without a new minimum).</summary>
    ProbeRtt,
}
