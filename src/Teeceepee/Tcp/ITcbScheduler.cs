namespace Teeceepee.Tcp;

/// <summary>What a <see cref="Tcb"/> tells its owner (the <see cref="TcpHost"/>) outside Process/TryDispatch.</summary>
internal interface ITcbScheduler
{
    /// <summary>The application changed something: the TCB may have output or a new deadline.</summary>
    void Schedule(Tcb tcb);

    /// <summary>The TCB changed state (accept queue, TIME-WAIT, removal).</summary>
    void OnStateChanged(Tcb tcb, TcpState oldState, TcpState newState);

    /// <summary>An ACK gave a round-trip sample (RFC 6298 §3; RFC 7323 §4 with timestamps).</summary>
    void OnRttSample(Tcb tcb, TimeSpan rtt);
}
