using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// Packetization-layer path MTU discovery (RFC 4821, with RFC 8899's search for TCP), in the mode Linux calls
/// tcp_mtu_probing=1: it starts when full-sized segments keep timing out without any ICMP (an ICMP black hole, RFC 2923
/// §2.1): the MSS falls to the base PLPMTU, then probe segments of new data search upward for the largest size that
/// gets through. A probe is lost like any segment; re-segmentation is free because retransmissions are cut from the
/// send ring at the current MSS.
/// </summary>
public sealed partial class Tcb
{
    /// <summary>RFC 8899 §5.1.2 BASE_PLPMTU: 1280 octets fit every IPv6 path and nearly every IPv4 one.</summary>
    public const int BasePathMtu = 1280;

    /// <summary>The search stops when the bounds are this close (RFC 4821 §7.3 leaves the step to the implementation).</summary>
    private const int ProbeSearchStep = 16;

    /// <summary>Consecutive timeouts of a full-sized segment that suggest a black hole (RFC 4821 §7.7).</summary>
    private const int BlackHoleTimeouts = 2;

    /// <summary>RFC 8899 §5.1.1 PMTU_RAISE_TIMER: a finished search looks for a larger MTU again after this long.</summary>
    private static readonly TimeSpan s_probeRaiseInterval = TimeSpan.FromMinutes(10);

    private int _negotiatedMss;          // Eff.snd.MSS from the handshake: the ceiling of any search
    private bool _mtuSearch;             // PLPMTUD is on for this connection (a black hole was suspected)
    private int _mtuLow;                 // the largest MTU known to get through
    private int _mtuHigh;                // the smallest MTU known (or assumed) not to
    private Instant _mtuRaiseAt = Instant.MaxValue;
    private bool _probeOutstanding;
    private SeqNumber _probeSeq;
    private SeqNumber _probeEnd;
    private int _probeMtu;
    private long _mtuProbes;
    private long _mtuProbesFailed;
    private long _blackHolesDetected;

    /// <summary>
    /// The path MTU known when the connection opened (RFC 1191 §6.2, RFC 8201 §5.2: the host's cache); 0 for none. The
    /// handshake's MSS never exceeds what it allows.
    /// </summary>
    internal int PathMtuLimit { get; set; }

    /// <summary>Caps the negotiated MSS at the cached path MTU.</summary>
    private void ClampMssToPathMtu()
    {
        if (PathMtuLimit <= 0)
            return;
        int mss = PathMtuLimit - SegmentOverhead;
        if (mss >= 16 && mss < _snd.Mss)
            _snd.Mss = mss;
    }

    /// <summary>IP + TCP header octets of each segment (options included): MTU = MSS + this.</summary>
    private int SegmentOverhead => (RemoteAddress.IsIPv6 ? 40 : 20) + 20 + (_timestamps ? TimestampOptionBytes : 0);

    /// <summary>The path MTU the current MSS implies.</summary>
    private int CurrentPathMtu => _snd.Mss + SegmentOverhead;

    /// <summary>
    /// §7.7 (black-hole detection) on a retransmission timeout: the second timeout in a row of a segment larger than the
    /// base size drops the MSS to it, and starts the search upward from there.
    /// </summary>
    private void OnTimeoutForPathMtu(Instant now)
    {
        if (!_config.MtuProbing || State < TcpState.Established || _timers.Retries != BlackHoleTimeouts)
            return;
        int baseMss = BasePathMtu - SegmentOverhead;
        if (_snd.Mss <= baseMss || _snd.Max - _snd.Una <= baseMss)
            return; // small segments time out for other reasons
        _blackHolesDetected++;
        _mtuSearch = true;
        _mtuLow = BasePathMtu;
        _mtuHigh = CurrentPathMtu;
        _mtuRaiseAt = Instant.MaxValue;
        _probeOutstanding = false;
        SetSendMss(baseMss);
        Trace?.Trace(this, $"pmtu: black hole suspected at {_mtuHigh}, mss {baseMss}");
        _ = now;
    }

    /// <summary>
    /// Whether the next new-data segment is a probe (§7.3-7.4), and its payload length: one at a time, only outside
    /// recovery and timeouts, with new data at hand and window for it.
    /// </summary>
    private bool TryPlanPathMtuProbe(Instant now, int bufferLength, out int length)
    {
        length = 0;
        if (!_mtuSearch || _probeOutstanding || _snd.Nxt != _snd.Max || _timers.Retries != 0
            || _congestion.InRecovery || _loss.SackRecovery || _loss.FastRetransmitPending || _finAcked)
            return false;
        if (_mtuHigh - _mtuLow < ProbeSearchStep)
        {
            if (now < _mtuRaiseAt)
                return false;
            _mtuHigh = _negotiatedMss + SegmentOverhead; // RFC 8899 §5.1.1: look for a raise again
            _mtuRaiseAt = Instant.MaxValue;
            if (_mtuHigh - _mtuLow < ProbeSearchStep)
                return false;
        }
        int probeMtu = (_mtuLow + _mtuHigh + 1) / 2;
        int probeMss = probeMtu - SegmentOverhead;
        int available = _snd.Buffer!.Count - (_snd.Nxt - _snd.BufferSeq);
        long room = Math.Min(_congestion.Window - (_snd.Max - _snd.Una), _snd.Window - (_snd.Nxt - _snd.Una));
        if (probeMss <= _snd.Mss || available < probeMss || room < probeMss || bufferLength < probeMss)
            return false;
        _probeOutstanding = true;
        _probeSeq = _snd.Nxt;
        _probeEnd = _snd.Nxt + probeMss;
        _probeMtu = probeMtu;
        _mtuProbes++;
        length = probeMss;
        return true;
    }

    /// <summary>A probe's octets were sent again: it was lost (or took too long), so its size does not fit (§7.5).</summary>
    private void OnRetransmitForPathMtu(SeqNumber seq, SeqNumber end)
    {
        if (!_probeOutstanding || end <= _probeSeq || seq >= _probeEnd)
            return;
        _probeOutstanding = false;
        _mtuProbesFailed++;
        _mtuHigh = _probeMtu;
        Trace?.Trace(this, $"pmtu: probe of {_probeMtu} lost");
        FinishSearchIfNarrow();
    }

    /// <summary>An ACK covering the whole probe: its size fits; the MSS grows to it (§7.5).</summary>
    private void OnAckForPathMtu()
    {
        if (!_probeOutstanding || _snd.Una < _probeEnd)
            return;
        _probeOutstanding = false;
        _mtuLow = _probeMtu;
        int mss = _probeMtu - SegmentOverhead;
        if (mss > _snd.Mss)
            SetSendMss(mss);
        Trace?.Trace(this, $"pmtu: probe of {_probeMtu} acknowledged, mss {_snd.Mss}");
        FinishSearchIfNarrow();
    }

    private void FinishSearchIfNarrow()
    {
        if (_mtuHigh - _mtuLow < ProbeSearchStep && _mtuRaiseAt == Instant.MaxValue)
            _mtuRaiseAt = _timers.LastReceivedAt + s_probeRaiseInterval;
    }

    private void SetSendMss(int mss)
    {
        _snd.Mss = mss;
        _congestion.SetMss(mss);
    }
}
