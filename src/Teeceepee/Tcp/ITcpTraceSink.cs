namespace Teeceepee.Tcp;

/// <summary>An optional trace sink (off by default): state changes, retransmits and drops, as text.</summary>
public interface ITcpTraceSink
{
    /// <summary>One trace line about <paramref name="tcb"/>.</summary>
    void Trace(Tcb tcb, string message);

    /// <summary>One trace line about the host itself (listeners, closed ports); ignored unless implemented.</summary>
    void TraceHost(string message)
    {
    }
}
