using System.Security.Cryptography;
using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>Echoes every connection's bytes back and hashes them; closes after the peer's FIN once the echo is out.</summary>
internal sealed class EchoServerApp(StackLoop loop, ushort port) : ILoopApp
{
    private readonly byte[] _scratch = new byte[65536];
    private readonly List<Conn> _open = [];
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<StreamResult> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListenerQueue? _listener;

    public Task Listening => _listening.Task;

    /// <summary>The first connection's received bytes and hash when it ended.</summary>
    public Task<StreamResult> First => _first.Task;

    /// <summary>The first accepted connection (read only from the loop, or after it ended).</summary>
    public Tcb? FirstConnection { get; private set; }

    public bool Step(Instant now)
    {
        if (_listener is null)
        {
            _listener = loop.Tcp.Listen(new TcpEndpoint(PeerAddresses.Stack, port));
            _listening.TrySetResult();
        }
        while (_listener.TryAccept(out var tcb))
        {
            FirstConnection ??= tcb;
            _open.Add(new Conn(tcb));
        }
        for (int i = _open.Count - 1; i >= 0; i--)
        {
            var c = _open[i];
            var tcb = c.Tcb;
            if (c.Pending.Count == 0)
            {
                int n;
                while ((n = tcb.Receive(_scratch)) > 0)
                {
                    c.Hash.AppendData(_scratch, 0, n);
                    c.Bytes += n;
                    c.Pending.AddRange(_scratch.AsSpan(0, n));
                    if (c.Pending.Count > 256 * 1024)
                        break;
                }
            }
            if (c.Pending.Count > 0)
            {
                int sent = tcb.Send(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(c.Pending));
                c.Pending.RemoveRange(0, sent);
            }
            bool ended = tcb.Error != TcpError.None || (tcb.IsReceiveFinished && c.Pending.Count == 0);
            if (!ended)
                continue;
            if (tcb.Error == TcpError.None)
                tcb.Close();
            var result = new StreamResult(c.Bytes, Convert.ToHexStringLower(c.Hash.GetHashAndReset()), tcb.Error, tcb.State);
            c.Hash.Dispose();
            _open.RemoveAt(i);
            if (ReferenceEquals(tcb, FirstConnection))
                _first.TrySetResult(result);
        }
        return false;
    }

    public void Abandon(Exception reason)
    {
        _listening.TrySetException(reason);
        _first.TrySetException(reason);
    }

    private sealed class Conn(Tcb tcb)
    {
        public Tcb Tcb { get; } = tcb;
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public List<byte> Pending { get; } = [];
        public long Bytes;
    }
}
