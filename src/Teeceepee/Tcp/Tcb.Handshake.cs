using Teeceepee.Tcp.Congestion;
using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// Opening (RFC 9293 §3.10.1, §3.10.7.2-3, §3.5): active open, the passive open a listener hands over, the SYN
/// cookie open (RFC 4987), option negotiation (RFC 7323, RFC 2018) and the ACK of our SYN. Every open goes through
/// one set-up from the peer's SYN, <see cref="OnPeerSyn"/>.
/// </summary>
public sealed partial class Tcb
{
    /// <summary>Active open (RFC 9293 §3.10.1): CLOSED → SYN-SENT; the SYN goes out on the next dispatch.</summary>
    public void Connect(Instant now, SeqNumber iss)
    {
        if (State != TcpState.Closed)
            throw new InvalidOperationException($"Connect needs a CLOSED TCB, not {State}.");
        InitializeSend(now, iss);
        SetState(TcpState.SynSent);
        RequestPoll();
    }

    /// <summary>Passive open from a listener's SYN (RFC 9293 §3.10.7.2, the host's LISTEN): CLOSED → SYN-RECEIVED; the SYN-ACK goes out on the next dispatch.</summary>
    internal void AcceptSyn(Instant now, in TcpRepr syn, SeqNumber iss)
    {
        RemotePort = syn.SourcePort;
        _passiveOpen = true;
        InitializeSend(now, iss);
        OnPeerSyn(syn, syn.SeqNumber, syn.WindowLength, syn.SeqNumber, iss);
        NegotiateEcnPassive(syn);
        SetState(TcpState.SynReceived);
    }

    /// <summary>Opens from a valid SYN cookie (RFC 4987 §3.6): the handshake completed without state, so only the MSS survived.</summary>
    internal void AcceptCookie(Instant now, in TcpRepr ack, SeqNumber iss, ushort peerMss)
    {
        RemotePort = ack.SourcePort;
        _passiveOpen = true;
        InitializeSend(now, iss);
        // The cookie kept only the MSS: no window scaling (the ACK's window is unscaled), SACK or timestamps.
        OnPeerSyn(new TcpRepr { MaxSegmentSize = peerMss }, ack.SeqNumber - 1, ack.WindowLength, ack.SeqNumber, iss + 1);
        _snd.Una = iss + 1;
        _snd.Nxt = _snd.Una;
        _snd.Max = _snd.Una;
        _rcv.AdvertisedEdge = _rcv.Nxt + Math.Min(_rcv.Buffer!.Window, ushort.MaxValue);
        _congestion.SetMss(_snd.Mss);
        SetState(TcpState.Established);
    }

    private void InitializeSend(Instant now, SeqNumber iss)
    {
        _snd.Initialize(iss, _config.SendBufferSize);
        _rcv.Buffer ??= new ReceiveBuffer(_config.ReceiveBufferSize);
        _loss.Initialize(iss);
        // RFC 7323 §5.4 / RFC 6191: a per-connection random-looking TSval offset.
        _tsOffset = unchecked(iss.Value * 2654435761u);
        _timers.LastReceivedAt = now;
        _rcv.Shift = 0;
        if (_config.WindowScaling)
        {
            // RFC 7323 §2.3: the smallest shift that lets the field express the whole buffer.
            while (_rcv.Shift < 14 && (_config.ReceiveBufferSize >> _rcv.Shift) > ushort.MaxValue)
                _rcv.Shift++;
        }
    }

    /// <summary>
    /// The one set-up from the peer's SYN (RFC 9293 §3.10.7.2-3), for every open: passive, active, simultaneous and
    /// cookie. IRS and RCV.NXT, options, and the send window, which a SYN carries unscaled (RFC 7323 §2.2).
    /// </summary>
    private void OnPeerSyn(in TcpRepr syn, SeqNumber irs, long window, SeqNumber sndWl1, SeqNumber sndWl2)
    {
        _rcv.Initialize(irs);
        NegotiateOptions(syn);
        _snd.Window = window;
        _snd.MaxWindow = window;
        _snd.Wl1 = sndWl1;
        _snd.Wl2 = sndWl2;
    }

    private void NegotiateOptions(in TcpRepr syn)
    {
        // RFC 7323 §2.2 / §3.2, RFC 2018 §2: an option is used only when both SYNs carried it.
        _windowScaling = _config.WindowScaling && syn.WindowScale is not null;
        _snd.Shift = _windowScaling ? Math.Min((int)syn.WindowScale!.Value, 14) : 0;
        if (!_windowScaling)
            _rcv.Shift = 0;
        _timestamps = _config.Timestamps && syn.Timestamp is not null;
        if (_timestamps)
        {
            _tsRecent = syn.Timestamp!.Value.Value;
            _tsRecentValid = true;
        }
        _sack = _config.Sack && syn.SackPermitted;
        int peerMss = syn.MaxSegmentSize is { } m && m > 0 ? m : _config.DefaultPeerMaxSegmentSize;
        int optionBytes = _timestamps ? 12 : 0;
        // RFC 9293 §3.7.1: Eff.snd.MSS = min(SendMSS, MMS_S) minus the options we put on every segment.
        _snd.Mss = Math.Max(Math.Min(peerMss, _maxSegmentSize) - optionBytes, 16);
        ClampMssToPathMtu();
        _negotiatedMss = _snd.Mss;
        _rcv.Mss = Math.Max(Math.Min(_maxSegmentSize - optionBytes, 536), 16);
        _congestion = CreateCongestionController(_snd.Mss);
    }

    private ICongestionController CreateCongestionController(int mss) => _config.CreateCongestionController(mss);

    private void OnSynAck(Instant now, in TcpRepr segment)
    {
        OnPeerSyn(segment, segment.SeqNumber, segment.WindowLength, segment.SeqNumber, segment.AckNumber!.Value);
        NegotiateEcnActive(segment);
        AcknowledgeSyn(now, segment);
        _ackNow = true;
        SetState(TcpState.Established);
        if (_finQueued)
            SetState(TcpState.FinWait1);
        _timers.LastReceivedAt = now;
        Observer?.OnWritable(this);
    }

    private void OnSimultaneousSyn(in TcpRepr segment)
    {
        OnPeerSyn(segment, segment.SeqNumber, segment.WindowLength, segment.SeqNumber, _snd.Iss);
        // Resend our SYN, now as SYN-ACK (§3.10.7.3 fourth, "otherwise" branch).
        _snd.Nxt = _snd.Iss;
        SetState(TcpState.SynReceived);
    }

    private void OnHandshakeAck(Instant now, in TcpRepr segment)
    {
        AcknowledgeSyn(now, segment);
        _snd.Window = (long)segment.WindowLength << _snd.Shift;
        _snd.MaxWindow = Math.Max(_snd.MaxWindow, _snd.Window);
        _snd.Wl1 = segment.SeqNumber;
        _snd.Wl2 = segment.AckNumber!.Value;
        SetState(TcpState.Established);
        if (_finQueued)
            SetState(TcpState.FinWait1);
        _timers.LastReceivedAt = now;
        Observer?.OnWritable(this);
    }

    /// <summary>Our SYN is acknowledged: SND.UNA moves past ISS; RTT sample unless the SYN was retransmitted (Karn).</summary>
    private void AcknowledgeSyn(Instant now, in TcpRepr segment)
    {
        SeqNumber ack = segment.AckNumber!.Value;
        var rtt = TakeRttSample(now, segment, ack);
        // Data acknowledged together with the SYN (rare) is handled by the ACK step.
        _snd.Una = _snd.Iss + 1;
        if (_snd.Nxt < _snd.Una)
            _snd.Nxt = _snd.Una;
        _timers.Retries = 0;
        _timers.RtoAt = _snd.Max > _snd.Una ? now + _rtt.Rto : Instant.MaxValue;
        _congestion.SetMss(_snd.Mss);
        // The handshake's RTT reaches the controller too (a BBR min_rtt); the SYN octet is no data delivered.
        if (rtt is not null)
            _congestion.OnAck(new TcpAckEvent { Now = now, RttSample = rtt });
    }

    /// <summary>
    /// §3.10.7.4 second: a RST in SYN-RECEIVED "returns this connection to the LISTEN state". LISTEN is the host's
    /// listener, which still listens: this connection just closes and leaves the SYN queue.
    /// </summary>
    private void ReturnToListen()
    {
        ClearAll();
        SetState(TcpState.Closed);
    }
}
