using System.Diagnostics.CodeAnalysis;

namespace Teeceepee.Tcp;

/// <summary>
/// A listening endpoint: a bounded SYN queue (half-open connections, SYN cookies beyond it, RFC 4987)
/// and a bounded accept queue of established connections (the backlog).
/// </summary>
public sealed class TcpListenerQueue
{
    private readonly TcpHost _host;
    private readonly Queue<Tcb> _accept = new();

    internal TcpListenerQueue(TcpHost host, TcpEndpoint localEndpoint, int backlog, TcpConfig config)
    {
        _host = host;
        LocalEndpoint = localEndpoint;
        Backlog = backlog;
        Config = config;
    }

    /// <summary>The address (possibly 0.0.0.0) and port listened on.</summary>
    public TcpEndpoint LocalEndpoint { get; }

    /// <summary>The accept queue bound.</summary>
    public int Backlog { get; }

    /// <summary>Settings for accepted connections.</summary>
    public TcpConfig Config { get; }

    /// <summary>Half-open connections (SYN-RECEIVED).</summary>
    public int SynQueueLength { get; internal set; }

    /// <summary>Established connections waiting for <see cref="TryAccept"/>.</summary>
    public int AcceptQueueLength => _accept.Count;

    /// <summary>SYN-ACKs answered with a SYN cookie because the SYN queue was full.</summary>
    public long SynCookiesSent { get; internal set; }

    /// <summary>Connections completed through a SYN cookie.</summary>
    public long SynCookiesAccepted { get; internal set; }

    /// <summary>SYNs whose data was accepted with a valid Fast Open cookie (RFC 7413 §4.2.2).</summary>
    public long FastOpenAccepted { get; internal set; }

    /// <summary>SYNs with a Fast Open cookie that did not validate, or over the pending limit: data ignored, plain handshake.</summary>
    public long FastOpenRejected { get; internal set; }

    /// <summary>Fast Open cookies given in SYN-ACKs.</summary>
    public long FastOpenCookiesSent { get; internal set; }

    /// <summary>Connections holding SYN data whose handshake has not completed (RFC 7413 §5.1).</summary>
    public int FastOpenPending { get; internal set; }

    /// <summary>SYNs dropped because a queue was full (and cookies were off).</summary>
    public long SynsDropped { get; internal set; }

    /// <summary>True after <see cref="Close"/>.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Readiness callback; null for none.</summary>
    public ITcpListenerObserver? Observer { get; set; }

    internal bool IsAcceptQueueFull => _accept.Count >= Backlog;

    /// <summary>Takes the oldest established connection, if any.</summary>
    public bool TryAccept([NotNullWhen(true)] out Tcb? tcb)
    {
        if (_accept.TryDequeue(out tcb))
        {
            tcb.Listener = null;
            return true;
        }
        return false;
    }

    /// <summary>Stops listening: queued connections are reset, half-open ones dropped.</summary>
    public void Close()
    {
        if (IsClosed)
            return;
        IsClosed = true;
        while (_accept.TryDequeue(out var tcb))
        {
            tcb.Listener = null;
            tcb.Abort();
        }
        _host.RemoveListener(this);
    }

    internal void Enqueue(Tcb tcb)
    {
        _accept.Enqueue(tcb);
        Observer?.OnAcceptReady(this);
    }
}
