using System.Diagnostics.CodeAnalysis;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// RACK (RFC 8985 §6): loss detection by transmit time. Every transmission is kept in a <see cref="RackSegmentLog"/>;
/// the most recently sent segment known delivered (RACK.xmit_ts, RACK.end_seq) and its RTT decide: a segment sent
/// before it is lost once RACK.rtt + reo_wnd has passed since it left (§6.2 step 5), and the reordering timer (§6.3)
/// comes back for those not yet old enough. Retransmissions are judged like any segment, so a lost retransmission is
/// found as soon as something sent after it arrives.
/// </summary>
/// <remarks>
/// A mutable struct held in place by <see cref="LossRecovery"/> (never copied: use it through a <c>ref</c>): an idle
/// connection pays for RACK's few scalars inline and for no object or record array (issue 13 item 2).
/// </remarks>
internal struct Rack
{
    private RackSegmentLog _log;
    private bool _haveDelivered;
    private Instant _xmitTs;        // RACK.xmit_ts
    private SeqNumber _endSeq;      // RACK.end_seq
    private SeqNumber _fack;        // RACK.fack: the highest end_seq delivered

    /// <summary>RACK is in use: SACK was negotiated and data has left (until then the other members mean nothing).</summary>
    public bool Active { get; private set; }

    /// <summary>The transmissions in flight.</summary>
    [UnscopedRef]
    public ref RackSegmentLog Log => ref _log;

    /// <summary>RACK.rtt: the RTT of the most recently sent segment delivered.</summary>
    public TimeSpan Rtt { get; private set; }

    /// <summary>RACK.reordering_seen: a segment never retransmitted was delivered below one delivered before it.</summary>
    public bool ReorderingSeen { get; private set; }

    /// <summary>A newer segment was delivered since the last loss scan (RACK.xmit_ts moved).</summary>
    public bool Advanced { get; private set; }

    /// <summary>With <see cref="HasLost"/>: the highest end of a segment marked lost since <see cref="ClearLost"/>.</summary>
    public SeqNumber LostBelow { get; private set; }

    /// <summary>Some segment was marked lost since <see cref="ClearLost"/>.</summary>
    public bool HasLost { get; private set; }

    /// <summary>Segments the time rule marked lost.</summary>
    public long SegmentsMarkedLost { get; private set; }

    /// <summary>A data transmission of [start, end) at <paramref name="now"/> (RFC 8985 §6.1): RACK is in use from the first.</summary>
    public void OnSend(SeqNumber start, SeqNumber end, Instant now)
    {
        Active = true;
        _log.OnSend(start, end, now);
    }

    /// <summary>
    /// RFC 8985 §6.2 step 2's filter needs the ACK's timestamp echo (null without one) and the clock that stamped our
    /// TSvals; the context also carries the newest send time this ACK delivered. One per ACK, on the stack.
    /// </summary>
    public static AckContext BeginAck(uint? echo, uint tsOffset, TimeSpan minRtt) => new()
    {
        HaveEcho = echo is not null,
        Echo = echo ?? 0,
        TsOffset = tsOffset,
        MinRtt = minRtt,
    };

    /// <summary>
    /// An RTT sample from the send times (RFC 6298 §3, Karn's rule, as Linux's tcp_clean_rtx_queue): the oldest segment
    /// the cumulative ACK <paramref name="una"/> newly covers when none of those was retransmitted, else the newest
    /// never-retransmitted segment a SACK block of this ACK newly covers. Call before the ACK updates the log. False when
    /// no unambiguous segment was delivered by this ACK.
    /// </summary>
    public readonly bool TryDeliveryRtt(Instant now, SeqNumber una, in TcpSackBlocks blocks, out TimeSpan rtt)
    {
        rtt = default;
        Instant? cumulative = null;
        bool retransmittedAcked = false;
        for (int i = 0; i < _log.Count && _log.At(i).Start < una; i++)
        {
            ref var r = ref _log.At(i);
            if (r.Sacked)
                continue; // delivered at an earlier ACK
            if (r.Retransmitted)
            {
                retransmittedAcked = true;
                break;
            }
            cumulative ??= r.SentAt;
        }
        if (cumulative is { } first && !retransmittedAcked)
        {
            rtt = now - first;
            return true;
        }
        Instant? newest = null;
        for (int b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            if (block.Right <= block.Left || block.Left < una)
                continue; // a D-SACK, or below SND.UNA: not news
            for (int i = _log.IndexOf(block.Left); i < _log.Count && _log.At(i).Start < block.Right; i++)
            {
                ref var r = ref _log.At(i);
                if (r.Sacked || r.Retransmitted || r.Start < block.Left || r.End > block.Right)
                    continue;
                if (newest is not { } n || r.SentAt > n)
                    newest = r.SentAt;
            }
        }
        if (newest is not { } sent)
            return false;
        rtt = now - sent;
        return true;
    }

    /// <summary>Steps 2-3 for what the cumulative ACK <paramref name="una"/> newly acknowledged; drops those records.</summary>
    public void OnCumulativeAck(ref AckContext ack, Instant now, SeqNumber una)
    {
        while (_log.Count > 0 && _log.At(0).Start < una)
        {
            ref var r = ref _log.At(0);
            SeqNumber end = SeqNumber.Min(r.End, una);
            if (!r.Sacked)
                OnDelivered(ref ack, now, r, end);
            if (r.End > una)
            {
                r.Start = una; // part of a super-segment: the rest is still out
                break;
            }
            _log.RemoveFirst();
        }
    }

    /// <summary>Steps 2-3 for the segments a SACK block [left, right) newly covers whole; marks them SACKed.</summary>
    public void OnSack(ref AckContext ack, Instant now, SeqNumber left, SeqNumber right)
    {
        if (right <= left)
            return;
        _log.SplitAt(left);
        _log.SplitAt(right);
        for (int i = _log.IndexOf(left); i < _log.Count && _log.At(i).Start < right; i++)
        {
            ref var r = ref _log.At(i);
            if (r.Sacked || r.Start < left || r.End > right)
                continue;
            r.Sacked = true;
            r.Lost = false;
            OnDelivered(ref ack, now, r, r.End);
        }
    }

    /// <summary>
    /// §6.2 step 5: marks lost every segment not delivered that was sent before RACK.xmit_ts and left more than
    /// RACK.rtt + <paramref name="reorderWindow"/> ago. Lost retransmissions leave <paramref name="retransmissions"/>.
    /// Returns the segments newly lost (with their octets, and how many of them were retransmissions); <paramref name="timeout"/>
    /// is when to look again (§6.3), zero for never.
    /// </summary>
    public int DetectLoss(Instant now, TimeSpan reorderWindow, RetransmitLog? retransmissions,
        out long lostOctets, out int lostRetransmissions, out long lostRetransmittedOctets, out TimeSpan timeout)
    {
        Advanced = false;
        lostOctets = 0;
        lostRetransmissions = 0;
        lostRetransmittedOctets = 0;
        timeout = TimeSpan.Zero;
        if (!_haveDelivered)
            return 0;
        int lost = 0;
        int retransmittedSeen = 0;
        int retransmittedTotal = _log.RetransmittedCount;
        for (int i = 0; i < _log.Count; i++)
        {
            ref var r = ref _log.At(i);
            if (r.Retransmitted)
                retransmittedSeen++;
            if (r.Sacked || r.Lost)
                continue;
            if (!SentAfter(_xmitTs, _endSeq, r.SentAt, r.End))
            {
                // Data sent once leaves in sequence order: past this record it is all newer, so only retransmissions remain.
                if (!r.Retransmitted && retransmittedSeen == retransmittedTotal)
                    break;
                continue;
            }
            var remaining = (r.SentAt - now) + Rtt + reorderWindow;
            if (remaining > TimeSpan.Zero)
            {
                if (remaining > timeout)
                    timeout = remaining; // RFC 8985 §6.2: the timer waits for the last of them
                continue;
            }
            r.Lost = true;
            lost++;
            lostOctets += r.End - r.Start;
            if (!HasLost || r.End > LostBelow)
                LostBelow = r.End;
            HasLost = true;
            if (r.Retransmitted)
            {
                lostRetransmissions++;
                lostRetransmittedOctets += r.End - r.Start;
                retransmissions?.Remove(r.Start, r.End);
            }
        }
        SegmentsMarkedLost += lost;
        return lost;
    }

    /// <summary>
    /// §6.3 on a retransmission timeout: the first segment out is lost, and every other one that left more than
    /// RACK.rtt + <paramref name="reorderWindow"/> ago.
    /// </summary>
    public void OnRetransmitTimeout(Instant now, SeqNumber una, TimeSpan reorderWindow)
    {
        for (int i = 0; i < _log.Count; i++)
        {
            ref var r = ref _log.At(i);
            if (!r.Sacked && (r.Start <= una || r.SentAt + Rtt + reorderWindow <= now))
                r.Lost = true;
        }
    }

    /// <summary>Forgets the lost marks (an undo, or the end of a recovery: segments still out are judged afresh).</summary>
    public void ClearLost()
    {
        _log.ClearLost();
        HasLost = false;
    }

    /// <summary>RFC 8985 §6.2 RACK_sent_after: t1/seq1 left after t2/seq2 (same instant: the higher sequence).</summary>
    private static bool SentAfter(Instant t1, SeqNumber seq1, Instant t2, SeqNumber seq2) => t1 > t2 || (t1 == t2 && seq1 > seq2);

    private void OnDelivered(ref AckContext ack, Instant now, in RackSegmentLog.Record r, SeqNumber end)
    {
        // Step 3: a segment sent once and delivered below the highest delivered one was reordered, not lost.
        if (end > _fack || !_haveDelivered)
            _fack = end;
        else if (end < _fack && !r.Retransmitted)
            ReorderingSeen = true;
        // Step 2: the ACK of a retransmission may be for the original: an echo older than the retransmission's TSval,
        // or an RTT below the path's minimum, gives no RACK sample.
        var rtt = now - r.SentAt;
        if (r.Retransmitted)
        {
            uint tsval = unchecked((uint)r.SentAt.TotalMilliseconds + ack.TsOffset);
            if (ack.HaveEcho && unchecked((int)(ack.Echo - tsval)) < 0)
                return;
            if (rtt < ack.MinRtt)
                return;
        }
        if (r.SentAt >= ack.NewestThisAck)
        {
            ack.NewestThisAck = r.SentAt;
            Rtt = rtt;
        }
        if (!_haveDelivered || SentAfter(r.SentAt, end, _xmitTs, _endSeq))
        {
            _xmitTs = r.SentAt;
            _endSeq = end;
            _haveDelivered = true;
            Advanced = true;
        }
    }

    /// <summary>What one ACK's deliveries share (RFC 8985 §6.2 steps 2-3); lives on the stack for that ACK only.</summary>
    public struct AckContext
    {
        /// <summary>The ACK's TSecr.</summary>
        public uint Echo;
        /// <summary>The ACK carried a timestamp echo.</summary>
        public bool HaveEcho;
        /// <summary>The offset our TSvals add to the clock's milliseconds.</summary>
        public uint TsOffset;
        /// <summary>The path's minimum RTT: a retransmission's sample below it is for the original.</summary>
        public TimeSpan MinRtt;
        /// <summary>The latest xmit_ts among this ACK's delivered segments (RACK.rtt follows it).</summary>
        public Instant NewestThisAck;
    }
}
