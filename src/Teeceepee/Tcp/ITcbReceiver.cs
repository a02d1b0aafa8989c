namespace Teeceepee.Tcp;

/// <summary>
/// A receive waiting above a <see cref="Tcb"/> that can take in-order text straight from an arriving
/// segment (RFC 9293 §3.10.7.4 seventh: "transfer the segment text to user RECEIVE buffers"), so the
/// payload is copied once, from the link's buffer into the caller's memory, and never enters the ring.
/// </summary>
/// <remarks>
/// Called on the event loop in the middle of <see cref="Tcb.Process"/>, only while the receive buffer
/// holds nothing (in order or out of order), so taking the bytes cannot reorder the stream. The
/// implementation copies and may complete its waiting call, but must not call back into the TCB.
/// </remarks>
public interface ITcbReceiver
{
    /// <summary>Copies a prefix of <paramref name="text"/> (the next in-order bytes) into a waiting receive; returns how many it took (0: none waits).</summary>
    int TakeText(Tcb tcb, ReadOnlySpan<byte> text);
}
