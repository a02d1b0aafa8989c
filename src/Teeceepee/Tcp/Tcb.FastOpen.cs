using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>
/// TCP Fast Open (RFC 7413): the client's SYN carries a cookie and data (§4.2.1) or a cookie request (§4.1.3); the
/// server accepts data from a SYN with a valid cookie before the handshake completes (§4.2.2) and gives cookies in
/// its SYN-ACK. The host decides what to offer (<see cref="TcpHost"/> owns the <see cref="TcpFastOpenCookies"/>).
/// </summary>
public sealed partial class Tcb
{
    // Client: the option for our first SYN (cookie or request); server (passive open): the cookie for our SYN-ACK.
    // One field for both sides (issue 13 item 2: 32 octets fewer per connection); _passiveOpen tells which it is.
    private TcpFastOpenCookie? _fastOpenCookie;
    private int _fastOpenSynData;                   // client: octets our first SYN carried

    /// <summary>Client: where a SYN-ACK's cookie is stored and a lost SYN with data is reported; set by the host.</summary>
    internal TcpFastOpenCookies? FastOpenCache { get; set; }

    /// <summary>Server: this connection holds a TFO slot of its listener until it leaves SYN-RECEIVED (RFC 7413 §5.1).</summary>
    internal TcpListenerQueue? FastOpenListener { get; set; }

    /// <summary>Server: octets accepted from the peer's SYN (RFC 7413 §4.2.2); client: octets of our SYN's data the SYN-ACK acknowledged.</summary>
    public int FastOpenBytes { get; private set; }

    /// <summary>Client: the SYN goes out with this TFO option (a cookie, with data; or a cookie request). Before the first dispatch.</summary>
    internal void OfferFastOpen(TcpFastOpenCookie option) => _fastOpenCookie = option;

    /// <summary>Server: the SYN-ACK carries <paramref name="cookie"/> (RFC 7413 §4.1.2).</summary>
    internal void GiveFastOpenCookie(TcpFastOpenCookie cookie) => _fastOpenCookie = cookie;

    /// <summary>
    /// Server, after <see cref="AcceptSyn"/>: the SYN's data is accepted at once (RFC 7413 §4.2.2): RCV.NXT moves past it,
    /// so the SYN-ACK acknowledges it, and the application can read it before the handshake completes.
    /// </summary>
    internal void AcceptFastOpenData(ReadOnlySpan<byte> payload)
    {
        int n = _rcv.Buffer!.Write(0, payload);
        if (n == 0)
            return;
        _rcv.Nxt += n;
        _bytesReceived += n;
        FastOpenBytes = n;
        Observer?.OnReadable(this);
    }

    /// <summary>Client: adds the TFO option, and with a cookie the first queued data, to our SYN (RFC 7413 §4.2.1).</summary>
    private TcpRepr WithFastOpen(Instant now, in TcpRepr syn, bool retransmission, Span<byte> payloadBuffer)
    {
        if (syn.AckNumber is not null)
            return _passiveOpen && _fastOpenCookie is { } give ? syn with { FastOpenCookie = give } : syn;
        if (_passiveOpen || _fastOpenCookie is not { } offer)
            return syn;
        if (retransmission)
        {
            // §4.1.3.1: the SYN with data may be what a middlebox drops; retry with a plain SYN and remember the loss.
            if (_fastOpenSynData > 0)
            {
                FastOpenCache?.OnSynDataLost(now, RemoteAddress);
                _fastOpenSynData = 0;
            }
            return syn;
        }
        int length = offer.IsRequest ? 0 : Math.Min(Math.Min(_snd.Buffer!.Count, _snd.Mss), payloadBuffer.Length);
        if (length > 0)
        {
            _snd.Buffer!.CopyTo(0, payloadBuffer[..length]);
            _fastOpenSynData = length;
            _snd.Nxt = _snd.Iss + 1 + length;
            if (_snd.Max < _snd.Nxt)
                _snd.Max = _snd.Nxt;
            _bytesSent += length;
        }
        return syn with { FastOpenCookie = offer, PayloadLength = length };
    }

    /// <summary>
    /// Client, on the SYN-ACK: keep a cookie it carries; data it acknowledged leaves the send queue; data it did not
    /// acknowledge is sent again right after the handshake (RFC 7413 §4.2.2), not after a timeout.
    /// </summary>
    private void OnFastOpenSynAck(in TcpRepr synAck)
    {
        if (_passiveOpen || _fastOpenCookie is null)
            return;
        if (synAck.FastOpenCookie is { IsRequest: false } cookie)
            FastOpenCache?.Store(RemoteAddress, cookie);
        SeqNumber ack = synAck.AckNumber!.Value;
        int acked = ack - _snd.Una;
        if (acked > 0 && acked <= _fastOpenSynData)
        {
            _snd.Buffer!.Advance(acked);
            _snd.BufferSeq += acked;
            _bytesAcked += acked;
            _snd.Una = ack;
            FastOpenBytes = acked;
        }
        if (_snd.Nxt > _snd.Una)
            _snd.Nxt = _snd.Una; // resend what the server ignored
        if (_snd.Max == _snd.Una)
            _timers.RtoAt = Instant.MaxValue;
        _fastOpenSynData = 0;
        _fastOpenCookie = null;
    }
}
