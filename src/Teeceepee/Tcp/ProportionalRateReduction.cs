namespace Teeceepee.Tcp;

/// <summary>
/// RFC 6937 proportional rate reduction (PRR-SSRB, as Linux): during SACK recovery it spreads the window reduction
/// over the ACKs of one round trip. It owns its counters and computes the per-ACK send quota (sndcnt) from the
/// congestion controller's ssthresh; the controller applies it (<see cref="Congestion.ICongestionController.OnRecoveryQuota"/>).
/// </summary>
/// <remarks>A mutable struct held in place by <see cref="LossRecovery"/> (issue 13 item 2: no object of its own per connection); never copy it.</remarks>
internal struct ProportionalRateReduction
{
    private long _delivered;      // prr_delivered
    private long _recoverFs;      // RecoverFS: the flight when recovery started
    private long _retransmitted;  // octets retransmitted in this recovery (prr_out = this + new data sent since)

    /// <summary>True once an ACK in this recovery produced a quota; before that only the forced first retransmission goes.</summary>
    public bool HasQuota { get; private set; }

    /// <summary>RFC 6937 §3 initialization, on entering recovery.</summary>
    public void Start(long flight)
    {
        _delivered = 0;
        _recoverFs = Math.Max(1, flight);
        _retransmitted = 0;
        HasQuota = false;
    }

    /// <summary>Counts retransmitted octets into prr_out.</summary>
    public void OnRetransmit(int octets) => _retransmitted += octets;

    /// <summary>
    /// RFC 6937 §3 on every ACK in recovery: <paramref name="delivered"/> octets newly delivered, <paramref name="pipe"/>
    /// (RFC 6675 SetPipe), <paramref name="newDataSent"/> octets of new data sent since recovery began (SND.MAX - recover).
    /// Returns sndcnt (may be negative; the caller sets cwnd = pipe + max(0, sndcnt) through the controller).
    /// </summary>
    public long OnAck(long delivered, long pipe, long ssthresh, long newDataSent, int mss)
    {
        HasQuota = true;
        _delivered += Math.Max(0, delivered);
        long prrOut = newDataSent + _retransmitted;
        if (pipe > ssthresh)
        {
            // Proportional rate reduction: send ssthresh/RecoverFS of what was delivered.
            return ((_delivered * ssthresh) + _recoverFs - 1) / _recoverFs - prrOut;
        }
        // Slow-start reduction bound: grow back towards ssthresh, at most one SMSS beyond what was delivered.
        return Math.Min(ssthresh - pipe, Math.Max(_delivered - prrOut, delivered) + mss);
    }
}
