using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// Loss detection and recovery state of one connection: duplicate ACKs and NewReno's recovery point (RFC 5681,
/// RFC 6582), the SACK scoreboard and RFC 6675 recovery, PRR (RFC 6937), and RACK-TLP (RFC 8985: the tail loss
/// probe and the reordering window). <see cref="Tcb"/> (Tcb.Recovery.cs) runs the algorithms over these fields.
/// </summary>
/// <remarks>A mutable struct held in place by <see cref="Tcb"/> (issue 13 item 2: no object of its own per connection); never copy it.</remarks>
internal struct LossRecovery
{
    /// <summary>RFC 6675 §2 / RFC 5681 §3.2 DupThresh.</summary>
    public const int DupThresh = 3;

    /// <summary>Duplicate ACKs in a row (RFC 5681 §2).</summary>
    public int DupAcks;
    /// <summary>RFC 6582 "recover": SND.MAX when the last recovery or timeout began.</summary>
    public SeqNumber Recover;
    /// <summary>RFC 6675 HighRxt: the end of the last hole retransmitted in this recovery.</summary>
    public SeqNumber HighRxt;
    /// <summary>A fast retransmission goes out on the next dispatch regardless of cwnd (RFC 5681 §3.2 step 3).</summary>
    public bool FastRetransmitPending;
    /// <summary>The receiver's SACK blocks (RFC 2018, RFC 6675 §3); null until the first SACK.</summary>
    public SackScoreboard? Scoreboard;
    /// <summary>True during RFC 6675 SACK recovery (else recovery, if any, is NewReno's).</summary>
    public bool SackRecovery;
    /// <summary>This recovery's retransmissions, to find lost ones.</summary>
    public RetransmitLog? RetransmitLog;
    /// <summary>RFC 6937 PRR's counters.</summary>
    public ProportionalRateReduction Prr;
    /// <summary>RFC 6675 NextSeg rule 4: one rescue retransmission per recovery.</summary>
    public bool RescueUsed;
    /// <summary>Octets below this were already reported lost to the controller in this recovery.</summary>
    public SeqNumber LossReportedBelow;
    /// <summary>Retransmissions found lost and resent without a timeout.</summary>
    public long LostRetransmits;

    /// <summary>RFC 8985 §7 probe timeout; <see cref="Instant.MaxValue"/> when not armed.</summary>
    public Instant PtoAt = Instant.MaxValue;
    /// <summary>A new ACK arrived since the probe timer was last set.</summary>
    public bool PtoRearm;
    /// <summary>A probe went and no ACK has advanced SND.UNA since: no second probe.</summary>
    public bool TlpOutstanding;
    /// <summary>SND.MAX when the probe timer was last set: new data sent since re-arms it.</summary>
    public SeqNumber PtoSndMax;
    /// <summary>The probe timer fired: a probe goes regardless of cwnd.</summary>
    public bool TlpPending;
    /// <summary>SND.MAX when it fired: a new-data probe may take two segments from here.</summary>
    public SeqNumber TlpFrom;
    /// <summary>Tail loss probes sent.</summary>
    public long LossProbes;

    /// <summary>RFC 8985 §6.3 RACK reordering timer; <see cref="Instant.MaxValue"/> when not armed.</summary>
    public Instant ReorderAt = Instant.MaxValue;
    /// <summary>RFC 8985 §6: per-segment send times and RACK's state, in place; <see cref="Rack.Active"/> once SACK is in use and data has left.</summary>
    public Rack Rack;
    /// <summary>After a timeout: RACK found a retransmission of the go-back-N lost; it goes again before the go-back-N goes on.</summary>
    public bool RackRepairPending;
    /// <summary>When the last retransmission timeout fired (retransmissions sent since are the go-back-N's).</summary>
    public Instant TimeoutAt;

    /// <summary>RFC 8985 §7.4: a probe's episode is open (TLP.end_seq is set).</summary>
    public bool TlpEpisode;
    /// <summary>RFC 8985 §7.4 TLP.end_seq: SND.NXT when the episode's probe left.</summary>
    public SeqNumber TlpEndSeq;
    /// <summary>RFC 8985 §7.4 TLP.is_retrans: the probe resent old data.</summary>
    public bool TlpIsRetransmission;
    /// <summary>Probe episodes that repaired a loss (the controller was told, as Linux's TCPLossProbeRecovery).</summary>
    public long TlpRecoveries;

    /// <summary>RFC 5682 §3.1 F-RTO: 0 off, 1 awaiting the first ACK after the timeout, 2 new data sent, awaiting the second.</summary>
    public int FrtoStep;
    /// <summary>The end of what was retransmitted since the timeout: a cumulative ACK beyond it acknowledges originals.</summary>
    public SeqNumber FrtoRetransmittedTo;
    /// <summary>SND.MAX when step 2 began: up to two new segments may go from here regardless of cwnd.</summary>
    public SeqNumber FrtoNewDataFrom;
    /// <summary>Timeouts F-RTO found spurious.</summary>
    public long FrtoSpurious;

    /// <summary>RFC 3708 / Linux undo_marker: an episode whose retransmissions are counted for undo is under way.</summary>
    public bool UndoArmed;
    /// <summary>SND.UNA when the episode began: D-SACKs below it are for older episodes.</summary>
    public SeqNumber UndoMarker;
    /// <summary>Octets retransmitted in the episode not yet reported duplicate by a D-SACK (Linux undo_retrans).</summary>
    public long UndoRetransmitted;
    /// <summary>RFC 3522: the first timeout of an episode awaits its first ACK.</summary>
    public bool EifelArmed;
    /// <summary>True once the first retransmission after the timeout left (<see cref="EifelTs"/> set).</summary>
    public bool EifelTsSet;
    /// <summary>RFC 3522 RetransmitTS: the TSval of the first retransmission after the timeout.</summary>
    public uint EifelTs;
    /// <summary>D-SACK blocks received.</summary>
    public long DsacksReceived;
    /// <summary>Episodes undone as spurious.</summary>
    public long SpuriousRecoveries;
    /// <summary>RFC 8985 §6.2 reo_wnd_mult.</summary>
    public int ReorderWindowMultiplier = 1;
    /// <summary>RFC 8985 §6.2 reo_wnd_persist: recoveries left before the multiplier resets.</summary>
    public int ReorderWindowPersistLeft = 16;
    /// <summary>No second multiplier increment before this (one per round trip).</summary>
    public Instant DsackRoundEnd;

    /// <summary>No recovery, no timer armed, the reordering window at its start (RFC 8985 §6.2).</summary>
    public LossRecovery()
    {
    }

    /// <summary>A new ISS: no recovery point or retransmission yet.</summary>
    public void Initialize(SeqNumber iss)
    {
        Recover = iss;
        HighRxt = iss;
    }
}
