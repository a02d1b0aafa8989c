using System.Globalization;
using System.Text;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// A minimal HTTP/1.1 server on the stack's TCP (one request per connection, then close), serving
/// in-memory files; enough for kernel <c>curl</c> to fetch byte-exact bodies from the stack.
/// </summary>
internal sealed class HttpServerApp : ILoopApp
{
    private readonly StackLoop _loop;
    private readonly ushort _port;
    private readonly int _backlog;
    private readonly IReadOnlyDictionary<string, byte[]> _files;
    private readonly List<Connection> _connections = [];
    private readonly byte[] _scratch = new byte[16384];
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListenerQueue? _listener;
    private volatile bool _stop;
    private long _served;
    private long _failed;

    public HttpServerApp(StackLoop loop, ushort port, IReadOnlyDictionary<string, byte[]> files, int backlog = 256)
    {
        _loop = loop;
        _port = port;
        _files = files;
        _backlog = backlog;
    }

    /// <summary>Completes once the listener is open.</summary>
    public Task Listening => _listening.Task;

    /// <summary>Responses sent whole (the connection closed cleanly afterwards).</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Connections that ended in an error.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The listener's Fast Open counters (RFC 7413): cookies handed out, SYNs whose data was accepted, refused.</summary>
    public (long CookiesSent, long Accepted, long Rejected) FastOpen =>
        _listener is { } l ? (l.FastOpenCookiesSent, l.FastOpenAccepted, l.FastOpenRejected) : default;

    public void Stop() => _stop = true;

    public bool Step(Instant now)
    {
        if (_listener is null)
        {
            _listener = _loop.Tcp.Listen(new TcpEndpoint(PeerAddresses.Stack, _port), _backlog);
            _listening.TrySetResult();
        }
        if (_stop)
        {
            _listener.Close();
            foreach (var c in _connections)
                c.Tcb.Abort();
            return true;
        }
        while (_listener.TryAccept(out var tcb))
            _connections.Add(new Connection(tcb));
        for (int i = _connections.Count - 1; i >= 0; i--)
        {
            if (Pump(_connections[i]))
                _connections.RemoveAt(i);
        }
        return false;
    }

    public void Abandon(Exception reason) => _listening.TrySetException(reason);

    private bool Pump(Connection c)
    {
        var tcb = c.Tcb;
        if (tcb.Error != TcpError.None)
        {
            Interlocked.Increment(ref _failed);
            return true;
        }
        if (c.Body is null)
        {
            int n;
            while ((n = tcb.Receive(_scratch)) > 0)
                c.Request.Append(Encoding.ASCII.GetString(_scratch, 0, n));
            string request = c.Request.ToString();
            int end = request.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                if (tcb.IsReceiveFinished)
                {
                    tcb.Close();
                    return true;
                }
                return false;
            }
            string[] parts = request[..request.IndexOf("\r\n", StringComparison.Ordinal)].Split(' ');
            bool found = parts.Length == 3 && _files.TryGetValue(parts[1], out c.Body);
            c.Body ??= Encoding.ASCII.GetBytes("not found\n");
            string status = found ? "200 OK" : "404 Not Found";
            bool head = parts[0] == "HEAD";
            c.Header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"HTTP/1.1 {status}\r\nContent-Length: {c.Body.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"));
            if (head)
                c.Body = [];
        }
        if (c.HeaderSent < c.Header!.Length)
            c.HeaderSent += tcb.Send(c.Header.AsSpan(c.HeaderSent));
        if (c.HeaderSent == c.Header.Length && c.BodySent < c.Body.Length)
            c.BodySent += tcb.Send(c.Body.AsSpan(c.BodySent));
        if (c.HeaderSent == c.Header.Length && c.BodySent == c.Body.Length && !c.Closed)
        {
            // Drain anything else the client sent so the close is a FIN, not a RST (RFC 2525 §2.17).
            while (tcb.Receive(_scratch) > 0)
            {
            }
            tcb.Close();
            c.Closed = true;
        }
        if (c.Closed && tcb.IsSendFinished)
        {
            Interlocked.Increment(ref _served);
            return true;
        }
        if (c.Closed && tcb.State is TcpState.Closed or TcpState.TimeWait)
        {
            Interlocked.Increment(ref tcb.Error == TcpError.None ? ref _served : ref _failed);
            return true;
        }
        return false;
    }

    private sealed class Connection(Tcb tcb)
    {
        public Tcb Tcb { get; } = tcb;
        public StringBuilder Request { get; } = new();
        public byte[]? Body;
        public byte[]? Header;
        public int HeaderSent;
        public int BodySent;
        public bool Closed;
    }
}
