using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>LISTEN (RFC 9293 §3.10.7.2): SYN and accept queues, SYN cookies (RFC 4987); a TCB is never itself in LISTEN.</summary>
public sealed partial class TcpHost
{
    /// <summary>
    /// While true, a SYN to a listener with SYN cookies is answered with a cookie even when its SYN queue has room
    /// (the stack sets it for SYNs an overloaded loop turn answers without a sign of a real client).
    /// </summary>
    internal bool AnswerSynsStatelessly { get; set; }

    private void ProcessForListener(Instant now, TcpListenerQueue listener, NetAddress source, NetAddress destination, in TcpRepr segment, ReadOnlySpan<byte> payload)
    {
        // §3.10.7.2: LISTEN ignores RST, resets ACKs (unless a SYN cookie validates), opens on SYN.
        if (segment.Control == TcpControl.Rst)
        {
            Drop(TcpDropReason.ResetToListener);
            return;
        }
        if (segment.AckNumber is { } ack)
        {
            if (segment.Control is TcpControl.None or TcpControl.Fin && listener.Config.SynCookies
                && _cookies.TryValidate(now, destination, segment.DestinationPort, source, segment.SourcePort, segment.SeqNumber - 1, ack, out ushort mss))
            {
                if (listener.IsAcceptQueueFull)
                {
                    // Like Linux on listen overflow: drop, the client's retransmission brings the cookie back.
                    listener.SynsDropped++;
                    Drop(TcpDropReason.AcceptQueueFull);
                    return;
                }
                // RFC 4987 §3.6: the returning ACK carries the cookie: build the connection now.
                var cookieTcb = new Tcb(listener.Config, destination, segment.DestinationPort, source, segment.SourcePort) { Trace = Trace };
                Register(cookieTcb);
                cookieTcb.AcceptCookie(now, segment, ack - 1, mss);
                listener.SynCookiesAccepted++;
                listener.Enqueue(cookieTcb);
                cookieTcb.Process(now, segment, payload);
                MakeReady(cookieTcb);
                return;
            }
            QueueControl(destination, source, new TcpRepr
            {
                SourcePort = segment.DestinationPort,
                DestinationPort = segment.SourcePort,
                Control = TcpControl.Rst,
                SeqNumber = ack,
            });
            ResetsSent++;
            return;
        }
        if (segment.Control != TcpControl.Syn)
        {
            Drop(TcpDropReason.NoSynToListener);
            return;
        }
        if (!_synLimiter.TryTake(now))
        {
            // Overload protection: past the SYN rate limit nothing is allocated, computed or sent.
            listener.SynsDropped++;
            Drop(TcpDropReason.SynRateLimited);
            return;
        }
        if (listener.IsAcceptQueueFull)
        {
            // Like Linux: with a full accept queue a SYN is dropped and the client retries.
            listener.SynsDropped++;
            Drop(TcpDropReason.AcceptQueueFull);
            return;
        }
        if (listener.SynQueueLength >= listener.Config.SynBacklog || AnswerSynsStatelessly && listener.Config.SynCookies)
        {
            if (!listener.Config.SynCookies)
            {
                listener.SynsDropped++;
                Drop(TcpDropReason.SynQueueFull);
                return;
            }
            // RFC 4987 §3.6: answer statelessly; only the MSS survives (no window scale, SACK or timestamps).
            ushort peerMss = segment.MaxSegmentSize ?? (ushort)listener.Config.DefaultPeerMaxSegmentSize;
            var cookie = _cookies.Create(now, destination, segment.DestinationPort, source, segment.SourcePort, segment.SeqNumber, peerMss);
            QueueControl(destination, source, new TcpRepr
            {
                SourcePort = segment.DestinationPort,
                DestinationPort = segment.SourcePort,
                Control = TcpControl.Syn,
                SeqNumber = cookie,
                AckNumber = segment.SeqNumber + 1,
                WindowLength = (ushort)Math.Min(listener.Config.ReceiveBufferSize, ushort.MaxValue),
                MaxSegmentSize = (ushort)listener.Config.MaxSegmentSize,
            });
            listener.SynCookiesSent++;
            return;
        }

        var tcb = new Tcb(listener.Config, destination, segment.DestinationPort, source, segment.SourcePort) { Trace = Trace };
        tcb.Listener = listener;
        tcb.InSynQueue = true;
        listener.SynQueueLength++;
        Register(tcb);
        var iss = _isn.Next(now, destination, segment.DestinationPort, source, segment.SourcePort);
        tcb.AcceptSyn(now, segment, iss);
        if (listener.Config.FastOpen && segment.FastOpenCookie is { } fastOpenCookie)
            AcceptFastOpen(listener, tcb, source, fastOpenCookie, payload);
        MakeReady(tcb);
    }
}
