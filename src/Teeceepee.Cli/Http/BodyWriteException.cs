namespace Teeceepee.Cli.Http;

/// <summary>Writing a received body to its destination (file, stdout) failed.</summary>
internal sealed class BodyWriteException : Exception
{
    public BodyWriteException() { }

    public BodyWriteException(string message) : base(message) { }

    public BodyWriteException(string message, Exception inner) : base(message, inner) { }
}
