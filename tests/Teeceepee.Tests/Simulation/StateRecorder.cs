using Teeceepee.Tcp;

namespace Teeceepee.Tests.Simulations;

/// <summary>Records a TCB's state changes and errors (attach as <see cref="Tcb.Observer"/>).</summary>
internal sealed class StateRecorder : ITcbObserver
{
    public List<TcpState> States { get; } = [];
    public List<TcpError> Errors { get; } = [];

    /// <summary>Attaches a recorder that starts with the TCB's current state.</summary>
    public static StateRecorder Attach(Tcb tcb)
    {
        var recorder = new StateRecorder();
        recorder.States.Add(tcb.State);
        tcb.Observer = recorder;
        return recorder;
    }

    /// <summary>The states visited, as "A=>B=>C".</summary>
    public string Path => string.Join("=>", States);

    public void OnReadable(Tcb tcb)
    {
    }

    public void OnWritable(Tcb tcb)
    {
    }

    public void OnStateChanged(Tcb tcb, TcpState oldState, TcpState newState) => States.Add(newState);

    public void OnError(Tcb tcb, TcpError error) => Errors.Add(error);
}
