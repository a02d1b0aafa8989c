using System.Security.Cryptography;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// Accepts connections on a port and reads each to its end (the peer's FIN), hashing what arrives, then
/// closes; optionally answers with <see cref="Reply"/> before closing (for half-close tests).
/// </summary>
internal sealed class SinkServerApp : ILoopApp
{
    private readonly StackLoop _loop;
    private readonly ushort _port;
    private readonly byte[] _scratch = new byte[65536];
    private readonly List<(Tcb Tcb, IncrementalHash Hash, long[] Count, int[] ReplySent)> _open = [];
    private readonly List<StreamResult> _results = [];
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<StreamResult> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListenerQueue? _listener;
    private volatile bool _stop;

    public SinkServerApp(StackLoop loop, ushort port)
    {
        _loop = loop;
        _port = port;
    }

    /// <summary>Sent after the peer's FIN, before our close (RFC 9293 §3.6 half-close: CLOSE-WAIT still sends).</summary>
    public byte[] Reply { get; init; } = [];

    public Task Listening => _listening.Task;

    /// <summary>Completes with the first connection's result.</summary>
    public Task<StreamResult> First => _next.Task;

    public void Stop() => _stop = true;

    public bool Step(Instant now)
    {
        if (_listener is null)
        {
            _listener = _loop.Tcp.Listen(new TcpEndpoint(PeerAddresses.Stack, _port));
            _listening.TrySetResult();
        }
        if (_stop)
        {
            _listener.Close();
            return true;
        }
        while (_listener.TryAccept(out var tcb))
            _open.Add((tcb, IncrementalHash.CreateHash(HashAlgorithmName.SHA256), new long[1], new int[1]));
        for (int i = _open.Count - 1; i >= 0; i--)
        {
            var (tcb, hash, count, replySent) = _open[i];
            int n;
            while ((n = tcb.Receive(_scratch)) > 0)
            {
                hash.AppendData(_scratch, 0, n);
                count[0] += n;
            }
            bool failed = tcb.Error != TcpError.None;
            if (!failed && !tcb.IsReceiveFinished)
                continue;
            if (!failed && replySent[0] < Reply.Length)
            {
                replySent[0] += tcb.Send(Reply.AsSpan(replySent[0]));
                if (replySent[0] < Reply.Length)
                    continue;
            }
            if (!failed)
                tcb.Close();
            var result = new StreamResult(count[0], Convert.ToHexStringLower(hash.GetHashAndReset()), tcb.Error, tcb.State);
            hash.Dispose();
            _open.RemoveAt(i);
            _results.Add(result);
            _next.TrySetResult(result);
        }
        return false;
    }

    public void Abandon(Exception reason)
    {
        _listening.TrySetException(reason);
        _next.TrySetException(reason);
    }
}
