namespace Teeceepee.Stack;

/// <summary>
/// Receives the sender-side state of every TCP connection as it changes (<see cref="NetworkStackOptions.TcpProbe"/>):
/// after each segment a connection processed and with each round-trip sample, like Linux's tcp_probe tracepoint.
/// Called on the stack's loop thread: record and return quickly, and never call into the stack.
/// </summary>
public interface ITcpProbe
{
    /// <summary>One observation of one connection.</summary>
    void OnSample(in TcpProbeSample sample);
}
