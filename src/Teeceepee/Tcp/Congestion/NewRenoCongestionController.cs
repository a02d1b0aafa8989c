namespace Teeceepee.Tcp.Congestion;

/// <summary>NewReno congestion control (RFC 5681, RFC 6582, RFC 3465, RFC 6928).</summary>
/// <remarks>
/// The TCB detects the events (new ACK, third duplicate ACK, partial or full ACK in recovery,
/// timeout) and this class only adjusts cwnd and ssthresh. Slow start uses appropriate byte counting
/// with L = 2*SMSS (RFC 3465 §2.2); congestion avoidance adds one SMSS per cwnd of bytes ACKed
/// (RFC 5681 §3.1, RFC 3465 §2.1).
/// </remarks>
public sealed class NewRenoCongestionController : ICongestionController
{
    // Keeps cwnd arithmetic far from int overflow; no window is ever this large (RFC 7323 caps at 1 GiB).
    private const int MaxWindow = 1 << 30;

    private int _mss;
    private long _bytesAckedInAvoidance;
    private bool _dataSeen;
    private bool _timedOut;   // a timeout with no new ACK since: a repeated RTO keeps ssthresh (RFC 5681 §3.1)
    private bool _slowStartAfterTimeout;
    private int _undoWindow;   // cwnd and ssthresh before the last reduction, for OnSpuriousRecovery (RFC 4015 §3)
    private int _undoThreshold;

    /// <summary>Creates the controller for an initial SMSS; cwnd starts at the RFC 6928 initial window.</summary>
    public NewRenoCongestionController(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        Window = InitialWindow(mss);
        // RFC 5681 §3.1: the initial ssthresh SHOULD be arbitrarily high.
        SlowStartThreshold = MaxWindow;
    }

    /// <inheritdoc />
    public int Window { get; private set; }

    /// <inheritdoc />
    public int SlowStartThreshold { get; private set; }

    /// <inheritdoc />
    public bool InRecovery { get; private set; }

    /// <summary>Always 0: NewReno is clocked by ACKs, unpaced.</summary>
    public long PacingRate => 0;

    /// <summary>The current SMSS.</summary>
    public int Mss => _mss;

    /// <summary>The RFC 6928 initial window for an SMSS: min(10*MSS, max(2*MSS, 14600)).</summary>
    public static int InitialWindow(int mss) => (int)Math.Min(10L * mss, Math.Max(2L * mss, 14600));

    /// <inheritdoc />
    public void SetMss(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mss);
        _mss = mss;
        if (!_dataSeen)
            Window = InitialWindow(mss);
        else
            Window = Math.Max(Window, mss);
    }

    /// <summary>Grows cwnd on an ACK that moved SND.UNA outside recovery; duplicate ACKs and SACK-only deliveries leave it.</summary>
    public void OnAck(in TcpAckEvent ack)
    {
        if (ack.BytesAcked > 0)
            OnAck(ack.Now, ack.BytesAcked, ack.BytesInFlight);
    }

    /// <summary>New data ACKed outside recovery: slow start or congestion avoidance (RFC 5681 §3.1, RFC 3465).</summary>
    public void OnAck(Instant now, int bytesAcked, int bytesInFlight)
    {
        _dataSeen = true;
        _timedOut = false;
        if (bytesAcked <= 0 || InRecovery)
            return;
        if (Window < SlowStartThreshold)
        {
            // Slow start with ABC: at most L = 2*SMSS per ACK (RFC 3465 §2.2), but L = 1*SMSS in the
            // slow start that follows a timeout, when one ACK may cover a receiver's whole
            // out-of-order queue (RFC 3465 §2.3).
            int limit = _slowStartAfterTimeout ? _mss : 2 * _mss;
            Window = Math.Min(MaxWindow, Window + Math.Min(bytesAcked, limit));
            return;
        }
        _slowStartAfterTimeout = false;
        // Congestion avoidance: one SMSS per full window of ACKed bytes.
        _bytesAckedInAvoidance += bytesAcked;
        if (_bytesAckedInAvoidance >= Window)
        {
            // At most one SMSS per ACK (RFC 5681 §3.1); a stretch ACK's excess carries over, capped.
            _bytesAckedInAvoidance = Math.Min(_bytesAckedInAvoidance - Window, Window - 1);
            Window = Math.Min(MaxWindow, Window + _mss);
        }
    }

    /// <summary>Third duplicate ACK: ssthresh = max(flight/2, 2*SMSS), cwnd = ssthresh + 3*SMSS (RFC 5681 §3.2 steps 2-3). Ignored while already in recovery.</summary>
    public void OnRecoveryStart(int bytesInFlight)
    {
        _dataSeen = true;
        if (InRecovery)
            return;
        SaveForUndo();
        SlowStartThreshold = HalfFlight(bytesInFlight);
        Window = Math.Min(MaxWindow, SlowStartThreshold + 3 * _mss);
        _bytesAckedInAvoidance = 0;
        _slowStartAfterTimeout = false;
        InRecovery = true;
    }

    /// <summary>NewReno reacts to loss only when recovery starts (<see cref="OnRecoveryStart"/>).</summary>
    public void OnLossDetected(long bytesLost, int bytesInFlight)
    {
    }

    /// <summary>RFC 6937 §3: cwnd = pipe + sndcnt, the quota PRR computed from this controller's ssthresh.</summary>
    public void OnRecoveryQuota(long pipe, long sendQuota)
    {
        if (InRecovery)
            Window = (int)Math.Clamp(pipe + Math.Max(0, sendQuota), 0, MaxWindow);
    }

    /// <summary>Further duplicate ACK in recovery: cwnd += SMSS (RFC 5681 §3.2 step 4); ignored outside recovery.</summary>
    public void OnDuplicateAck(int bytesInFlight)
    {
        if (InRecovery)
            Window = Math.Min(MaxWindow, Window + _mss);
    }

    /// <summary>Partial ACK: deflate by the bytes ACKed, add back SMSS if at least SMSS was ACKed (RFC 6582 §3.2 step 5).</summary>
    public void OnPartialAck(int bytesAcked)
    {
        if (!InRecovery || bytesAcked <= 0)
            return;
        int window = Window - bytesAcked;
        if (bytesAcked >= _mss)
            window += _mss;
        Window = Math.Max(window, _mss);
    }

    /// <summary>Full ACK: cwnd = min(ssthresh, max(flight, SMSS) + SMSS) (RFC 6582 §3.2 step 6, option 1).</summary>
    public void OnRecoveryEnd(int bytesInFlight)
    {
        if (!InRecovery)
            return;
        Window = (int)Math.Min(SlowStartThreshold, Math.Max((long)bytesInFlight, _mss) + _mss);
        InRecovery = false;
        _bytesAckedInAvoidance = 0;
    }

    /// <summary>Timeout: ssthresh = max(flight/2, 2*SMSS) (kept on a repeated timeout), cwnd = 1 SMSS (RFC 5681 §3.1 eqn 4); leaves recovery.</summary>
    public void OnRetransmitTimeout(int bytesInFlight)
    {
        _dataSeen = true;
        // RFC 5681 §3.1: ssthresh is set only when the segment "has not yet been resent by way of
        // the retransmission timer"; a back-to-back timeout is the same segment again.
        if (!_timedOut)
        {
            SaveForUndo();
            SlowStartThreshold = HalfFlight(bytesInFlight);
        }
        _timedOut = true;
        _slowStartAfterTimeout = true;
        Window = _mss;
        InRecovery = false;
        _bytesAckedInAvoidance = 0;
    }

    /// <summary>RFC 4015 §3 (Eifel response): the reduction was spurious, restore cwnd and ssthresh from before it.</summary>
    public void OnSpuriousRecovery()
    {
        if (_undoWindow == 0)
            return;
        Window = Math.Max(Window, _undoWindow);
        SlowStartThreshold = Math.Max(SlowStartThreshold, _undoThreshold);
        InRecovery = false;
        _timedOut = false;
        _slowStartAfterTimeout = false;
        _undoWindow = 0;
    }

    /// <summary>RFC 3168 §6.1.2: ECN-Echo halves like loss (ssthresh = max(flight/2, 2*SMSS), cwnd = ssthresh), no retransmission.</summary>
    public void OnEcnEcho(int bytesInFlight)
    {
        _dataSeen = true;
        if (InRecovery)
            return;
        SaveForUndo();
        SlowStartThreshold = HalfFlight(bytesInFlight);
        Window = SlowStartThreshold;
        _bytesAckedInAvoidance = 0;
    }

    private void SaveForUndo()
    {
        _undoWindow = Window;
        _undoThreshold = SlowStartThreshold;
    }

    private int HalfFlight(int bytesInFlight) => Math.Max(Math.Max(bytesInFlight, 0) / 2, 2 * _mss);
}
