using Teeceepee.Tcp;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>An active open that reports how it ended: ESTABLISHED, or the error (refused, timed out...), and when.</summary>
internal sealed class ConnectApp(StackLoop loop, TcpEndpoint remote, TcpConfig? config = null) : ILoopApp
{
    private readonly TaskCompletionSource<(TcpState State, TcpError Error, TimeSpan Took)> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Tcb? _tcb;
    private Instant _start;

    public Task<(TcpState State, TcpError Error, TimeSpan Took)> Result => _done.Task;

    public bool Step(Instant now)
    {
        if (_tcb is null)
        {
            _start = now;
            _tcb = loop.Tcp.Connect(now, PeerAddresses.Stack, remote, config);
        }
        if (_tcb.State == TcpState.Established || _tcb.Error != TcpError.None)
        {
            _done.TrySetResult((_tcb.State, _tcb.Error, now - _start));
            if (_tcb.State == TcpState.Established)
                _tcb.Abort();
            return true;
        }
        return false;
    }

    public void Abandon(Exception reason) => _done.TrySetException(reason);
}
