using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>TCP Fast Open (RFC 7413): the server's cookie checks on a listener's SYN, the client's cookie cache on connect.</summary>
public sealed partial class TcpHost
{
    private readonly TcpFastOpenCookies _fastOpen = TcpFastOpenCookies.CreateRandom();

    /// <summary>The Fast Open secret (server) and cookie cache (client) of this host.</summary>
    public TcpFastOpenCookies FastOpenCookies => _fastOpen;

    /// <summary>
    /// Active open whose first <paramref name="initialData"/> may ride on the SYN (RFC 7413 §4.2.1) when
    /// <paramref name="config"/> enables Fast Open and a cookie for the server is cached; otherwise the data goes after
    /// the handshake as usual. Returns the TCB; <see cref="Tcb.SendQueueLength"/> tells how much was queued.
    /// </summary>
    public Tcb Connect(Instant now, NetAddress localAddress, TcpEndpoint remote, ReadOnlySpan<byte> initialData, TcpConfig? config = null, ushort localPort = 0)
    {
        var tcb = Connect(now, localAddress, remote, config, localPort);
        tcb.Send(initialData); // queued before the first dispatch: the SYN takes what fits
        return tcb;
    }

    private void PrepareFastOpen(Instant now, Tcb tcb)
    {
        if (!tcb.Config.FastOpen || _fastOpen.IsHeldDown(now, tcb.RemoteAddress))
            return;
        tcb.FastOpenCache = _fastOpen;
        // §4.1.3: with a cached cookie the SYN carries it and data; without, an empty option asks for one.
        tcb.OfferFastOpen(_fastOpen.TryGet(now, tcb.RemoteAddress, out var cookie) ? cookie : TcpFastOpenCookie.Request);
    }

    private void AcceptFastOpen(TcpListenerQueue listener, Tcb tcb, NetAddress client, TcpFastOpenCookie cookie, ReadOnlySpan<byte> payload)
    {
        if (cookie.IsRequest || !_fastOpen.IsValid(client, cookie))
        {
            // §4.2.2: an invalid cookie: ignore the data, complete a normal handshake, and give a fresh cookie.
            if (!cookie.IsRequest)
                listener.FastOpenRejected++;
            tcb.GiveFastOpenCookie(_fastOpen.Make(client));
            listener.FastOpenCookiesSent++;
            return;
        }
        if (payload.IsEmpty)
            return;
        if (listener.FastOpenPending >= listener.Config.FastOpenMaxPending || listener.IsAcceptQueueFull)
        {
            // §5.1: bounded pending TFO connections; past the bound the SYN is an ordinary SYN.
            listener.FastOpenRejected++;
            return;
        }
        tcb.AcceptFastOpenData(payload);
        tcb.FastOpenListener = listener;
        listener.FastOpenPending++;
        listener.FastOpenAccepted++;
        // §4.2.2: the connection is handed to the application at once, in SYN-RECEIVED, with its data.
        tcb.InSynQueue = false;
        listener.SynQueueLength--;
        listener.Enqueue(tcb);
    }
}
