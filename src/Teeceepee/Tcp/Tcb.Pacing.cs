namespace Teeceepee.Tcp;

/// <summary>
/// Send pacing: when the congestion controller gives a rate (BBR always), or <see cref="TcpConfig.Pacing"/> (on by
/// default) derives one from cwnd/SRTT as Linux does (200 % in slow start below ssthresh/2, else 120 %), data segments
/// leave no faster than that rate. The next departure time feeds <see cref="PollAt"/>; super-segments (TSO) shrink to
/// about 1 ms of the rate (Linux tcp_tso_autosize) so a paced flow still sends few, large writes. Window-based flows are
/// paced only on paths whose min RTT is at least <see cref="PacingMinRtt"/> (4 ms). A departure due within
/// <see cref="PacingSlackTicks"/> leaves at once: a gap that short is below what the loop's timer can keep, and holding
/// for it would only cost a wake-up (at zero delay and 10+ Gbit/s the gaps are a few microseconds).
/// </summary>
public sealed partial class Tcb
{
    // How late a departure may be and still keep the pacing schedule (the catch-up burst bound): 2 ms, and for a
    // controller's own rate (BBR) half the path's min RTT up to 20 ms (see PacingCatchUpTicks).
    private const long PacingCatchUpMinTicks = 2 * TimeSpan.TicksPerMillisecond;
    private const long PacingCatchUpMaxTicks = 20 * TimeSpan.TicksPerMillisecond;

    // A departure due this soon goes now (Linux fq's timer slack is 10 µs; a user-space loop wakes ~50 µs late). The
    // schedule still advances from the due time, so the average rate holds; a burst gains at most this much of it.
    internal const long PacingSlackTicks = 100 * TimeSpan.TicksPerMicrosecond;

    private Instant _nextSendAt;   // earliest departure of the next data segment; Instant.Zero when unpaced

    // Window-based flows are paced once the path's min RTT reaches this. Below it the rate is not known: RFC 7323's 1 ms
    // timestamp clock measures such an RTT as 0 or 1 ms, so cwnd/SRTT is off by a factor, and a loop that is slow to run
    // inflates SRTT further; on the zero-delay bench that throttled download by ~30 % under load. Every gap there would
    // also be under the slack at cwnd ≥ 10 segments, and the bursts meet no bottleneck queue sized in milliseconds.
    internal static readonly TimeSpan PacingMinRtt = TimeSpan.FromMilliseconds(4);

    /// <summary>The rate data leaves at, in bytes per second; 0 when unpaced.</summary>
    public long CurrentPacingRate =>
        _congestion.PacingRate is > 0 and var rate ? rate : _config.Pacing && _minRtt != TimeSpan.MaxValue && _minRtt >= PacingMinRtt ? WindowRate() : 0;

    /// <summary>
    /// Linux's sk_pacing_rate for a window-based controller (tcp_update_pacing_rate), in bytes per second (0 before an
    /// RTT sample). Linux computes it whether or not it paces, and sizes TSO bursts by it (tcp_tso_autosize).
    /// </summary>
    private long WindowRate()
    {
        if (_rtt.SmoothedRtt is not { } srtt || srtt <= TimeSpan.Zero)
            return 0;
        long cwnd = Math.Max(_congestion.Window, _snd.Max - _snd.Una);
        // Linux tcp_update_pacing_rate: sysctl_tcp_pacing_ss_ratio 200 %, sysctl_tcp_pacing_ca_ratio 120 %.
        int percent = _congestion.Window < _congestion.SlowStartThreshold / 2 ? 200 : 120;
        return (long)(cwnd * percent / 100.0 * TimeSpan.TicksPerSecond / srtt.Ticks);
    }

    /// <summary>
    /// How far behind its schedule a paced flow may fall and still catch up (send the departures it missed at once).
    /// For a controller that sets the rate itself (BBR): half the min RTT, 2 to 20 ms. A user-space loop on a busy host
    /// stalls for milliseconds; BBR paces at 0.99·bw with about a BDP in flight and no standing queue, so every stall it
    /// does not make up idles the bottleneck for good (8 ms stalls in 25 cut a 20 ms path to half at a 2 ms bound). The
    /// catch-up burst refills the bottleneck queue, which then carries the link through the next stall; cwnd bounds it.
    /// Window-based flows keep 2 ms: they are often cwnd-limited, and a deadline missed while waiting for the window (the
    /// loop does not wake for it) is no stall to make up.
    /// </summary>
    private long PacingCatchUpTicks =>
        _congestion.PacingRate <= 0 || _minRtt == TimeSpan.MaxValue
            ? PacingCatchUpMinTicks
            : Math.Clamp(_minRtt.Ticks / 2, PacingCatchUpMinTicks, PacingCatchUpMaxTicks);

    /// <summary>The earliest time the next data segment may leave (for tests and traces).</summary>
    public Instant NextSendAt => _nextSendAt;

    /// <summary>True when pacing holds data back at <paramref name="now"/>: the next departure is more than the slack away.</summary>
    private bool PacingHolds(Instant now) => (_nextSendAt - now).Ticks > PacingSlackTicks;

    /// <summary>When the loop must wake for the next paced departure (<see cref="Instant.Zero"/> when unpaced).</summary>
    private Instant PacedWakeAt => _nextSendAt == Instant.Zero ? Instant.Zero : _nextSendAt - TimeSpan.FromTicks(PacingSlackTicks);

    /// <summary>
    /// The super-segment bound for new data. A paced flow sends about 1 ms of its rate per super-segment
    /// (<see cref="PacedOffloadLimit"/>). An unpaced flow on a path shorter than <see cref="PacingMinRtt"/> keeps the whole
    /// offload size: its window leaves in one back-to-back burst whatever the pieces, so smaller pieces spread nothing and
    /// only cost a write (and a kernel skb) each; and its min RTT, counted in whole milliseconds of the timestamp clock and
    /// inflated by the loop's own turn when it serves many flows (200 downloads at zero delay measure 1–3 ms), says
    /// nothing about a bottleneck queue. Unpaced flows on longer paths (pacing off) keep Linux's autosize.
    /// </summary>
    private int OffloadLimit(int mss)
    {
        long rate = CurrentPacingRate;
        if (rate > 0)
            return PacedOffloadLimit(mss, rate);
        if (_minRtt < PacingMinRtt)
            return _segmentationOffloadLimit;
        return PacedOffloadLimit(mss, WindowRate());
    }

    /// <summary>
    /// The super-segment bound: about 1 ms of the rate, at least two segments (tcp_tso_autosize). Unpaced flows use the
    /// rate they would be paced at, as Linux does: a 64 KiB burst at the TAP's speed overflows a shallow bottleneck queue
    /// long before the window fills the path (path (d): 100 Mbit/s, 40 ms, a 0.2 BDP queue). A flow with a short minimum
    /// RTT gets more, as on Linux since 5.19 (tcp_tso_rtt_log 9): the whole offload size below 512 µs, half of it below
    /// 1024 µs, and so on: local flows repair a loss quickly, and small bursts cost CPU per byte (200 downloads from one
    /// server each got ~2 MSS per burst at their share of the rate).
    /// </summary>
    private int PacedOffloadLimit(int mss, long rate)
    {
        if (rate <= 0)
            return _segmentationOffloadLimit;
        long bytes = rate / 1000;
        if (_minRtt != TimeSpan.MaxValue && (long)_minRtt.TotalMicroseconds >> 9 is var halvings and < 31)
            bytes += _segmentationOffloadLimit >> (int)halvings;
        bytes = Math.Max(bytes, 2L * mss);
        return (int)Math.Min(_segmentationOffloadLimit, bytes);
    }

    /// <summary>
    /// A data segment of <paramref name="length"/> octets left: space the next. Departures are spaced by data octets, the
    /// unit of the rate itself (BBR's bw is data delivered per second, draft-ietf-ccwg-bbr §5.6.2; cwnd/SRTT is data too),
    /// as Linux's tcp_update_skb_after_send spaces by skb->len; counting headers as well sent ~3 % below the rate asked.
    /// </summary>
    private void OnPacedSend(Instant now, int length)
    {
        long rate = CurrentPacingRate;
        if (rate <= 0)
        {
            _nextSendAt = Instant.Zero;
            return;
        }
        long spacing = length * TimeSpan.TicksPerSecond / rate;
        long behind = _nextSendAt != Instant.Zero && now > _nextSendAt ? (now - _nextSendAt).Ticks : 0;
        if (behind > 0 && behind <= PacingCatchUpTicks)
        {
            // A loop that woke up to PacingCatchUp late keeps the schedule: the next departure is due one spacing after the
            // missed one (at once if that too has passed), so the average rate is the one asked even when every wake-up
            // is late. Linux's hrtimer-driven pacing is rarely late; a user-space loop on a busy host often is, and a
            // rate that falls short feeds BBR a lower delivery rate, which it then paces at. Bursts stay under PacingCatchUp of the rate.
            _nextSendAt += TimeSpan.FromTicks(spacing);
            return;
        }
        // OS jitter (Linux tcp_update_skb_after_send): when the loop woke late for this departure, up to half of this
        // segment's spacing is forgiven, so late wake-ups on a loaded host do not lower the rate the controller asked.
        long late = _nextSendAt != Instant.Zero && now > _nextSendAt ? (now - _nextSendAt).Ticks : 0;
        spacing -= Math.Min(spacing / 2, late);
        var start = _nextSendAt > now ? _nextSendAt : now;
        _nextSendAt = start + TimeSpan.FromTicks(spacing);
    }
}
