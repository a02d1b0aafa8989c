using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// Accepts one connection on a port, writes <see cref="Body"/> to it and closes (the stack sends, the kernel reads);
/// completes with the connection's <see cref="TcpInfo"/> once the peer has acknowledged everything.
/// </summary>
internal sealed class SourceServerApp(StackLoop loop, ushort port, byte[] body) : ILoopApp
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TcpInfo> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TcpListenerQueue? _listener;
    private Tcb? _tcb;
    private int _sent;

    public byte[] Body { get; } = body;

    public Task Listening => _listening.Task;

    /// <summary>The sender's counters after the last octet and the FIN were acknowledged (or the connection failed).</summary>
    public Task<TcpInfo> Done => _done.Task;

    public bool Step(Instant now)
    {
        if (_listener is null)
        {
            _listener = loop.Tcp.Listen(new TcpEndpoint(PeerAddresses.Stack, port));
            _listening.TrySetResult();
        }
        if (_tcb is null && !_listener.TryAccept(out _tcb))
            return false;
        var tcb = _tcb!;
        while (_sent < Body.Length && tcb.Error == TcpError.None)
        {
            int n = tcb.Send(Body.AsSpan(_sent));
            if (n == 0)
                break;
            _sent += n;
            if (_sent == Body.Length)
                tcb.Close();
        }
        if (tcb.Error != TcpError.None || tcb.IsSendFinished || tcb.State is TcpState.Closed or TcpState.TimeWait)
        {
            _done.TrySetResult(tcb.GetInfo());
            _listener.Close();
            return true;
        }
        return false;
    }

    public void Abandon(Exception reason)
    {
        _listening.TrySetException(reason);
        _done.TrySetException(reason);
    }
}
