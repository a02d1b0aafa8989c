using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// One HTTP/1.1 GET over the stack's TCP to a kernel server: sends the request, reads the status and
/// headers, hashes exactly Content-Length body octets (or up to the FIN without one), then closes.
/// </summary>
internal sealed class HttpGetApp : ILoopApp
{
    private readonly StackLoop _loop;
    private readonly TcpEndpoint _remote;
    private readonly byte[] _request;
    private readonly byte[] _scratch = new byte[65536];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly TaskCompletionSource<StreamResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<byte> _head = [];
    private Tcb? _tcb;
    private int _requestSent;
    private long _contentLength = -1;
    private long _body;
    private bool _headDone;
    private string _status = "";

    public HttpGetApp(StackLoop loop, TcpEndpoint remote, string path)
    {
        _loop = loop;
        _remote = remote;
        _request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {remote.Address}\r\nUser-Agent: tcp-verify\r\nConnection: close\r\n\r\n");
    }

    /// <summary>Completes with the body's size and hash (Detail: the status line), or the connection's error.</summary>
    public Task<StreamResult> Result => _done.Task;

    public bool Step(Instant now)
    {
        _tcb ??= _loop.Tcp.Connect(now, PeerAddresses.Stack, _remote);
        var tcb = _tcb;
        if (tcb.Error != TcpError.None)
            return Finish(tcb);
        if (_requestSent < _request.Length && tcb.IsSendOpen)
            _requestSent += tcb.Send(_request.AsSpan(_requestSent));
        int n;
        while ((n = tcb.Receive(_scratch)) > 0)
        {
            var data = _scratch.AsSpan(0, n);
            if (!_headDone)
            {
                int i = 0;
                for (; i < data.Length && !_headDone; i++)
                {
                    _head.Add(data[i]);
                    int c = _head.Count;
                    _headDone = c >= 4 && _head[c - 4] == '\r' && _head[c - 3] == '\n' && _head[c - 2] == '\r' && _head[c - 1] == '\n';
                }
                if (_headDone)
                    ParseHead();
                data = data[i..];
            }
            _hash.AppendData(data);
            _body += data.Length;
        }
        bool complete = _headDone && _contentLength >= 0 && _body >= _contentLength;
        if (complete || tcb.IsReceiveFinished)
        {
            tcb.Close();
            return Finish(tcb);
        }
        return false;
    }

    public void Abandon(Exception reason) => _done.TrySetException(reason);

    private void ParseHead()
    {
        string head = Encoding.ASCII.GetString(_head.ToArray());
        _status = head[..head.IndexOf("\r\n", StringComparison.Ordinal)];
        foreach (var line in head.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                _contentLength = long.Parse(line.AsSpan(15).Trim(), CultureInfo.InvariantCulture);
        }
    }

    private bool Finish(Tcb tcb)
    {
        _done.TrySetResult(new StreamResult(_body, Convert.ToHexStringLower(_hash.GetHashAndReset()), tcb.Error, tcb.State, _status));
        _hash.Dispose();
        return true;
    }
}
