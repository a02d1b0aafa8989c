using Teeceepee.Tcp;

namespace Teeceepee.Stack;

/// <summary>Forwards TCP's trace lines to the stack's trace sink, prefixed with the connection.</summary>
internal sealed class StackTcpTrace : ITcpTraceSink
{
    private readonly NetworkStack _stack;
    private readonly bool _explain;

    public StackTcpTrace(NetworkStack stack, bool explain = false)
    {
        _stack = stack;
        _explain = explain;
    }

    /// <inheritdoc />
    public void Trace(Tcb tcb, string message)
    {
        // With explanations the host traces state changes itself, with their rule; skip the bare "Old=>New" line.
        if (_explain && IsStateChange(message))
            return;
        _stack.Trace($"tcp {tcb.LocalAddress}:{tcb.LocalPort}<->{tcb.RemoteAddress}:{tcb.RemotePort} {message}");
    }

    private static bool IsStateChange(string message)
    {
        int arrow = message.IndexOf("=>", StringComparison.Ordinal);
        return arrow > 0 && Enum.TryParse<TcpState>(message.AsSpan(0, arrow), out _) && Enum.TryParse<TcpState>(message.AsSpan(arrow + 2), out _);
    }
}
