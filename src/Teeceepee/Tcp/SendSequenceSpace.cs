using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// The send side of one connection (RFC 9293 §3.3.1 send sequence space) and its retransmission queue: the send
/// buffer holds every octet from SND.UNA on, so unacknowledged data is resent from it. SND.MAX is the highest
/// sequence number sent: after a timeout SND.NXT goes back to SND.UNA (go-back-N) while SND.MAX remembers.
/// </summary>
/// <remarks>A mutable struct held in place by <see cref="Tcb"/> (issue 13 item 2: no object of its own per connection); never copy it.</remarks>
internal struct SendSequenceSpace
{
    /// <summary>ISS, our initial sequence number (RFC 6528).</summary>
    public SeqNumber Iss;
    /// <summary>SND.UNA: oldest unacknowledged sequence number.</summary>
    public SeqNumber Una;
    /// <summary>SND.NXT: next sequence number to send.</summary>
    public SeqNumber Nxt;
    /// <summary>SND.MAX: one past the highest sequence number sent.</summary>
    public SeqNumber Max;
    /// <summary>SND.WL1: segment sequence number used for the last window update.</summary>
    public SeqNumber Wl1;
    /// <summary>SND.WL2: segment acknowledgment number used for the last window update.</summary>
    public SeqNumber Wl2;
    /// <summary>The sequence number of send-buffer offset 0 (SND.UNA once the SYN is acknowledged).</summary>
    public SeqNumber BufferSeq;
    /// <summary>SND.WND, scaled (RFC 7323 §2.3).</summary>
    public long Window;
    /// <summary>The largest window the peer offered (MAX.SND.WND, RFC 5961 §5.2; sender SWS RFC 9293 §3.8.6.2.1).</summary>
    public long MaxWindow;
    /// <summary>Snd.Wind.Shift (RFC 7323 §2.2).</summary>
    public int Shift;
    /// <summary>Eff.snd.MSS: payload octets per segment after the options every segment carries (RFC 9293 §3.7.1).</summary>
    public int Mss;
    /// <summary>Queued and unacknowledged octets (the retransmission queue); null before the open and after the close.</summary>
    public SendBuffer? Buffer;

    /// <summary>Octets sent and not yet acknowledged (the flight, SND.MAX - SND.UNA).</summary>
    public int InFlight => Max - Una;

    /// <summary>Sets ISS: SND.UNA = SND.NXT = SND.MAX = ISS; data starts after the SYN.</summary>
    public void Initialize(SeqNumber iss, int bufferSize)
    {
        Buffer ??= new SendBuffer(bufferSize);
        Iss = iss;
        Una = iss;
        Nxt = iss;
        Max = iss;
        BufferSeq = iss + 1;
    }

    /// <summary>Returns the buffer to the pool (TIME-WAIT and CLOSED keep only sequence state, RFC 9293 §3.6.1).</summary>
    public void Release()
    {
        Buffer?.Release();
        Buffer = null;
    }
}
