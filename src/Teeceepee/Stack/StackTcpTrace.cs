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
        _stack.Trace($"tcp {tcb.LocalAddress}:{tcb.LocalPort}<->{tcb.RemoteAddress}:{tcb.RemotePort} {message}{Why(message)}");
    }

    // --explain: TCP's drop lines ("drop: Reason") get the rule behind the reason.
    private string Why(string message) =>
        _explain && message.StartsWith("drop: ", StringComparison.Ordinal) && Enum.TryParse<TcpDropReason>(message.AsSpan(6), out var reason)
            ? $" ({DropExplanations.Explain(reason)})"
            : "";

    private static bool IsStateChange(string message)
    {
        int arrow = message.IndexOf("=>", StringComparison.Ordinal);
        return arrow > 0 && Enum.TryParse<TcpState>(message.AsSpan(0, arrow), out _) && Enum.TryParse<TcpState>(message.AsSpan(arrow + 2), out _);
    }

    /// <inheritdoc />
    public void TraceHost(string message) => _stack.Trace($"tcp {message}{Why(message)}");
}
