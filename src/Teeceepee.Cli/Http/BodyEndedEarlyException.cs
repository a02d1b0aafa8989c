namespace Teeceepee.Cli.Http;

/// <summary>The connection closed before the announced body was complete (curl's "partial file").</summary>
internal sealed class BodyEndedEarlyException : Exception
{
    public BodyEndedEarlyException() { }

    public BodyEndedEarlyException(string message) : base(message) { }

    public BodyEndedEarlyException(string message, Exception inner) : base(message, inner) { }
}
