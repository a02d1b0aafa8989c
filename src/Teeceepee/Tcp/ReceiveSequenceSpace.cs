using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// The receive side of one connection (RFC 9293 §3.3.1 receive sequence space) and its reassembly: the receive
/// buffer keeps in-order data for the application and out-of-order data for SACK (RFC 2018); the peer's FIN.
/// </summary>
/// <remarks>A mutable struct held in place by <see cref="Tcb"/> (issue 13 item 2: no object of its own per connection); never copy it.</remarks>
internal struct ReceiveSequenceSpace
{
    /// <summary>IRS, the peer's initial sequence number.</summary>
    public SeqNumber Irs;
    /// <summary>RCV.NXT: next sequence number expected.</summary>
    public SeqNumber Nxt;
    /// <summary>RCV.NXT + the window last advertised: the right edge never moves left (RFC 9293 §3.8.6.2.2, RFC 7323 §2.4).</summary>
    public SeqNumber AdvertisedEdge;
    /// <summary>Last.ACK.sent (RFC 7323 §4.3): RCV.NXT in our last ACK.</summary>
    public SeqNumber LastAckSent;
    /// <summary>The receive MSS estimate for the ACK policy (RFC 1122 §4.2.3.2).</summary>
    public int Mss;
    /// <summary>Rcv.Wind.Shift (RFC 7323 §2.2).</summary>
    public int Shift;
    /// <summary>The reassembly and read buffer; null before the open and once released.</summary>
    public ReceiveBuffer? Buffer;
    /// <summary>The peer's FIN was consumed (RCV.NXT moved past it).</summary>
    public bool FinReceived;
    /// <summary>A FIN arrived beyond a hole; it is consumed when the hole fills.</summary>
    public bool FinPending;
    /// <summary>The sequence number of the pending FIN.</summary>
    public SeqNumber FinSeq;

    /// <summary>The window the right edge still promises (never negative).</summary>
    public long Advertised => Math.Max(0, AdvertisedEdge - Nxt);

    /// <summary>The peer's SYN: RCV.NXT = IRS + 1.</summary>
    public void Initialize(SeqNumber irs)
    {
        Irs = irs;
        Nxt = irs + 1;
        LastAckSent = Nxt;
        AdvertisedEdge = Nxt;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Release()
    {
        Buffer?.Release();
        Buffer = null;
    }

    /// <summary>RFC 2883: a duplicate segment arrived; the next ACK's first SACK block reports [DsackStart, DsackEnd).</summary>
    public bool DsackPending;
    /// <summary>Start of the duplicate to report.</summary>
    public SeqNumber DsackStart;
    /// <summary>End of the duplicate to report.</summary>
    public SeqNumber DsackEnd;
}
