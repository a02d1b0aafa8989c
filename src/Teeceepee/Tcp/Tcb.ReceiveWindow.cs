using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// Receive-window autotuning (Linux tcp_rcv_space_adjust, "dynamic right-sizing"): the window we offer starts at 64 KiB
/// and grows, once per receiver RTT, to twice what arrived in order during the last one (plus 16 segments), up to the
/// buffer. A sender in slow start is then held near twice its delivery rate instead of being offered the whole buffer
/// at once: on a 1 BDP bottleneck queue (issue 11 path (a)) a kernel CUBIC sender offered 8 MB overshot into a burst of
/// drops, retransmitting ~5× as much toward the stack as toward a kernel receiver.
/// </summary>
public sealed partial class Tcb
{
    /// <summary>The window offered before the first measurement (Linux: half of tcp_rmem's 128 KiB default).</summary>
    internal const int AutoTuneInitialWindow = 64 * 1024;

    private long _rcvSpace;          // the most octets that arrived in order in one receiver RTT; 0 before the first
    private SeqNumber _rcvSpaceSeq;  // RCV.NXT when the current measurement began
    private Instant _rcvSpaceAt;     // and when
    private TimeSpan _rcvRtt;        // the receiver's RTT estimate (from echoed timestamps, else SRTT); zero when unknown

    /// <summary>The most the window may offer now: the autotuned bound, or no bound when autotuning is off.</summary>
    private long AutoTunedWindowLimit()
    {
        if (!_config.ReceiveWindowAutoTuning || _rcv.Buffer is null)
            return long.MaxValue;
        long limit = Math.Max(AutoTuneInitialWindow, (2 * _rcvSpace) + (16L * Math.Max(_rcv.Mss, 536)));
        return limit;
    }

    /// <summary>
    /// RFC 7323 §4.3's echo gives the receiver an RTT (Linux tcp_rcv_rtt_measure_ts): our clock now less the TSval we
    /// sent that the peer echoes, for in-order data only. Low samples are taken at once, high ones smoothed (1/8).
    /// </summary>
    private void AutoTuneOnSegment(Instant now, in TcpRepr segment, int payloadLength)
    {
        if (!_config.ReceiveWindowAutoTuning || payloadLength == 0 || segment.SeqNumber != _rcv.Nxt)
            return;
        TimeSpan sample;
        if (_timestamps && segment.Timestamp is { EchoReply: not 0 } ts)
        {
            int ms = unchecked((int)(TsNow(now) - ts.EchoReply));
            if (ms < 0)
                return;
            sample = TimeSpan.FromMilliseconds(Math.Max(1, ms));
        }
        else if (_rtt.SmoothedRtt is { } srtt && srtt > TimeSpan.Zero)
        {
            sample = srtt;
        }
        else
        {
            return;
        }
        _rcvRtt = _rcvRtt == TimeSpan.Zero || sample < _rcvRtt ? sample : _rcvRtt + ((sample - _rcvRtt) / 8);
    }

    /// <summary>In-order data arrived: once a receiver RTT has passed since the measurement began, take its octets.</summary>
    private void AutoTuneOnInOrderData(Instant now)
    {
        if (!_config.ReceiveWindowAutoTuning)
            return;
        if (_rcvSpaceAt == Instant.Zero)
        {
            _rcvSpaceAt = now;
            _rcvSpaceSeq = _rcv.Nxt;
            return;
        }
        if (_rcvRtt == TimeSpan.Zero || now - _rcvSpaceAt < _rcvRtt)
            return;
        long copied = _rcv.Nxt - _rcvSpaceSeq;
        if (copied > _rcvSpace)
            _rcvSpace = copied; // the window only grows (Linux never shrinks rcvbuf either)
        _rcvSpaceSeq = _rcv.Nxt;
        _rcvSpaceAt = now;
    }
}
