namespace Teeceepee.Cli.Plot;

/// <summary>One TCP connection in a capture: the flow from the side that opened it (or spoke first) and the reverse.</summary>
internal sealed class CaptureConnection
{
    public CaptureConnection(int number, string initiator, string responder)
    {
        Number = number;
        Forward = new CaptureFlow(initiator, responder);
        Reverse = new CaptureFlow(responder, initiator);
    }

    /// <summary>1 for the first connection the capture shows, and so on.</summary>
    public int Number { get; }

    /// <summary>Initiator to responder.</summary>
    public CaptureFlow Forward { get; }

    /// <summary>Responder to initiator.</summary>
    public CaptureFlow Reverse { get; }

    /// <summary>"198.18.0.1:40000 -> 198.18.0.2:80".</summary>
    public override string ToString() => $"{Forward.Sender} -> {Forward.Receiver}";
}
