namespace Teeceepee.Tcp;

/// <summary>Why TCP dropped a segment; each reason is a counter in <c>NetworkStack.Stats.TcpDrops</c> and the "Teeceepee" meter.</summary>
public enum TcpDropReason : byte
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>RFC 9293 §3.10.7.1: the connection is CLOSED; it holds no state to process the segment.</summary>
    Closed,

    /// <summary>RFC 9293 §3.10.7.1: a RST to a port with no connection or listener is never answered.</summary>
    ResetToClosedPort,

    /// <summary>RFC 9293 §3.10.7.2 first check: a RST to a listener is ignored.</summary>
    ResetToListener,

    /// <summary>RFC 9293 §3.10.7.2 fourth: a segment to a listener without SYN, ACK or RST.</summary>
    NoSynToListener,

    /// <summary>RFC 9293 §3.10.7.2 leaves queueing to the implementation: the accept queue is full (as Linux, the peer's retransmission retries).</summary>
    AcceptQueueFull,

    /// <summary>RFC 4987 §3.1: the SYN queue is full and SYN cookies are off.</summary>
    SynQueueFull,

    /// <summary>The queue of host-generated control segments (RSTs, cookie SYN-ACKs) is full: answers are rate-bounded (RFC 5961 §7 spirit).</summary>
    ControlQueueFull,

    /// <summary>RFC 9293 §3.10.7.3 first check: in SYN-SENT, an ACK that does not acknowledge our SYN (answered by a RST unless it is one).</summary>
    SynSentUnacceptableAck,

    /// <summary>RFC 9293 §3.10.7.3 second check, RFC 5961 §3.2: in SYN-SENT, a RST without an ACK.</summary>
    SynSentResetWithoutAck,

    /// <summary>RFC 9293 §3.10.7.3 fifth: in SYN-SENT, neither SYN nor RST.</summary>
    SynSentNoSyn,

    /// <summary>RFC 9293 §3.10.7.4 first check: the sequence number is outside the receive window (answered by an ACK).</summary>
    OutOfWindow,

    /// <summary>RFC 7323 §5.3 R1 (PAWS): the timestamp is older than TS.Recent, an old duplicate.</summary>
    Paws,

    /// <summary>RFC 9293 §3.10.7.4 fifth check: in SYN-RECEIVED, an ACK outside SND.UNA..SND.NXT (answered by a RST).</summary>
    SynReceivedUnacceptableAck,

    /// <summary>RFC 5961 §3.2: a RST inside the window but not at RCV.NXT (answered by a challenge ACK).</summary>
    ResetNotAtReceiveNext,

    /// <summary>RFC 9293 §3.10.7.4 fourth check, RFC 5961 §4: a SYN in a synchronized state (answered by a challenge ACK).</summary>
    SynInSynchronizedState,

    /// <summary>RFC 9293 §3.10.7.4 fifth check: a segment without ACK in a synchronized state.</summary>
    NoAck,

    /// <summary>RFC 9293 §3.10.7.4 fifth check, RFC 5961 §5.2: an ACK of data never sent (answered by a rate-limited ACK).</summary>
    AckOfUnsentData,

    /// <summary>RFC 5961 §5.2: an ACK below SND.UNA - MAX.SND.WND, a blind injection attempt.</summary>
    AckTooOld,

    /// <summary>A SYN to a listener beyond <see cref="TcpConfig.SynRateLimit"/> (overload protection, RFC 4987 §3.2 spirit): dropped unanswered.</summary>
    SynRateLimited,

    /// <summary>
    /// RFC 9293 §3.10.7.4 seventh leaves out-of-order queueing to the implementation: the text would open one more
    /// out-of-order range than the receive buffer tracks (<see cref="ReceiveBuffer.OutOfOrderRangeLimit"/>); the
    /// segment's ACK was processed, its text is dropped and the sender retransmits it (nothing SACKed is reneged on).
    /// </summary>
    OutOfOrderQueueFull,
}
