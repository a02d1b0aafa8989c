using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// Explicit Congestion Notification (RFC 3168 §6.1): negotiation on the SYNs, ECT(0) on new data, the receiver's
/// ECN-Echo until CWR, and the sender's one window reduction per window of data, made by the congestion controller.
/// </summary>
public sealed partial class Tcb
{
    private bool _ecn;               // negotiated: data goes out ECT(0), ECE and CWR mean what RFC 3168 says
    private bool _ecnSetupSent;      // our SYN asked for ECN (ECE + CWR)
    private bool _ecnEcho;           // receiver: CE arrived, every ACK carries ECE until a CWR arrives (§6.1.3)
    private bool _ecnCwrPending;     // sender: reduced for an ECE, the next new data carries CWR (§6.1.2)
    private bool _ecnReduced;        // a reduction happened; the next one waits for an ACK beyond _ecnRecover
    private SeqNumber _ecnRecover;   // SND.MAX at the last reduction: ECEs acknowledging no more belong to that window
    private long _ecnCeReceived;
    private long _ecnEchoesReceived;
    private long _ecnReductions;

    /// <summary>True when ECN was negotiated on this connection's handshake (RFC 3168 §6.1.1).</summary>
    public bool IsEcnEnabled => _ecn;

    /// <summary>
    /// §6.1.1: an ECN-setup SYN carries ECE and CWR; only the first transmission asks, so a path that drops such SYNs
    /// (a middlebox that dislikes the reserved bits) still connects on the retransmission, as Linux does (tcp_ecn_fallback).
    /// </summary>
    private bool AskForEcn(bool retransmission)
    {
        _ecnSetupSent = _config.Ecn == EcnMode.On && !retransmission;
        return _ecnSetupSent;
    }

    /// <summary>§6.1.1: a passive open accepts ECN when the peer's SYN has ECE and CWR and we are not Off.</summary>
    private void NegotiateEcnPassive(in TcpRepr syn) =>
        _ecn = _config.Ecn != EcnMode.Off && syn.EcnEcho && syn.CongestionWindowReduced;

    /// <summary>§6.1.1: an active open uses ECN when it asked and the SYN-ACK has ECE without CWR (ECE+CWR is a reflector).</summary>
    private void NegotiateEcnActive(in TcpRepr synAck) =>
        _ecn = _ecnSetupSent && synAck.EcnEcho && !synAck.CongestionWindowReduced;

    /// <summary>
    /// The receiver's half (§6.1.3), before the ACK is processed: a CWR ends the echo, a CE starts it (even on the CWR
    /// segment itself). The first CE is acknowledged at once so the sender learns of it within one RTT.
    /// </summary>
    private void OnEcnArrival(in TcpRepr segment)
    {
        if (!_ecn)
            return;
        if (segment.CongestionWindowReduced)
            _ecnEcho = false;
        if (segment.Ecn == EcnCodepoint.Ce)
        {
            _ecnCeReceived++;
            if (!_ecnEcho)
                _ackNow = true;
            _ecnEcho = true;
        }
    }

    /// <summary>
    /// The sender's half (§6.1.2), after the ACK is processed: an ECN-Echo reduces the window through the controller at
    /// most once per window of data (ECEs acknowledging only data sent before the last reduction are that same event),
    /// and not during loss recovery, which already reduced. The next new data segment carries CWR.
    /// </summary>
    private void OnEcnEchoArrival(in TcpRepr segment)
    {
        if (!_ecn || !segment.EcnEcho || segment.AckNumber is not { } ack)
            return;
        _ecnEchoesReceived++;
        if (_ecnReduced && ack <= _ecnRecover)
            return;
        _ecnReduced = true;
        _ecnRecover = _snd.Max;
        _ecnCwrPending = true;
        if (_congestion.InRecovery)
            return;
        _ecnReductions++;
        _congestion.OnEcnEcho(_snd.Max - _snd.Una);
        Trace?.Trace(this, $"ecn-echo: cwnd {_congestion.Window}");
    }

    /// <summary>
    /// The ECN bits of an outgoing data segment: ECT(0) on new data only (§6.1.5: never on retransmissions; §6.1.6:
    /// nor on window probes), CWR on the first new data after a reduction, ECE while echoing.
    /// </summary>
    private (EcnCodepoint Ecn, bool Cwr) EcnForData(int length, bool retransmission)
    {
        if (!_ecn || length == 0 || retransmission || _snd.Window == 0)
            return (EcnCodepoint.NotEct, false);
        bool cwr = _ecnCwrPending;
        _ecnCwrPending = false;
        return (EcnCodepoint.Ect0, cwr);
    }

    /// <summary>ECE on an ACK we send: while echoing a CE (§6.1.3).</summary>
    private bool EcnEchoToSend => _ecn && _ecnEcho;
}
