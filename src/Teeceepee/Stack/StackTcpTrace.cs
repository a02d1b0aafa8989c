using Teeceepee.Tcp;

namespace Teeceepee.Stack;

/// <summary>Forwards TCP's trace lines to the stack's trace sink, prefixed with the connection.</summary>
internal sealed class StackTcpTrace : ITcpTraceSink
{
    private readonly NetworkStack _stack;

    public StackTcpTrace(NetworkStack stack) => _stack = stack;

    /// <inheritdoc />
    public void Trace(Tcb tcb, string message) =>
        _stack.Trace($"tcp {tcb.LocalAddress}:{tcb.LocalPort}<->{tcb.RemoteAddress}:{tcb.RemotePort} {message}");

    /// <inheritdoc />
    public void TraceHost(string message) => _stack.Trace($"tcp {message}");
}
