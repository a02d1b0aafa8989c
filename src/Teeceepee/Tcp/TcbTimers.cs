using System.Runtime.InteropServices;

namespace Teeceepee.Tcp;

/// <summary>
/// The deadlines of one connection and their bookkeeping: retransmission (RFC 6298), persist (RFC 9293 §3.8.6.1),
/// delayed ACK (RFC 1122 §4.2.3.2), keep-alive (RFC 1122 §4.2.3.6), TIME-WAIT (RFC 9293 §3.6.1) and the retry
/// count that gives up (RFC 1122 §4.2.3.5). RACK-TLP's two timers live in <see cref="LossRecovery"/>.
/// </summary>
/// <remarks>A mutable struct held in place by <see cref="Tcb"/> (issue 13 item 2: no object of its own per connection); never copy it.</remarks>
[StructLayout(LayoutKind.Auto)] // no padding between the ints and the instants
internal struct TcbTimers
{
    /// <summary>The retransmission timer; <see cref="Instant.MaxValue"/> when stopped.</summary>
    public Instant RtoAt = Instant.MaxValue;
    /// <summary>The persist timer.</summary>
    public Instant PersistAt = Instant.MaxValue;
    /// <summary>Persist probes sent without the window opening (each doubles the interval).</summary>
    public int PersistBackoff;
    /// <summary>TIME-WAIT's end, or the orphaned FIN-WAIT-2 timeout.</summary>
    public Instant TimeWaitAt = Instant.MaxValue;
    /// <summary>The delayed ACK's deadline.</summary>
    public Instant DelayedAckAt = Instant.MaxValue;
    /// <summary>When the last acceptable segment arrived (keep-alive idle time).</summary>
    public Instant LastReceivedAt;
    /// <summary>When the last keep-alive probe went.</summary>
    public Instant LastKeepAliveAt;
    /// <summary>Keep-alive probes unanswered.</summary>
    public int KeepAliveProbes;
    /// <summary>A keep-alive probe goes on the next dispatch.</summary>
    public bool KeepAliveNow;
    /// <summary>Consecutive timeouts without progress.</summary>
    public int Retries;
    /// <summary>Since when data has been waiting for an acknowledgment (the user timeout, RFC 5482).</summary>
    public Instant UnackedSince;

    /// <summary>Every timer stopped.</summary>
    public TcbTimers()
    {
    }

    /// <summary>The earliest of this type's deadlines (keep-alive aside, which depends on the state).</summary>
    public Instant Earliest() =>
        Instant.Min(Instant.Min(RtoAt, DelayedAckAt), Instant.Min(PersistAt, TimeWaitAt));
}
