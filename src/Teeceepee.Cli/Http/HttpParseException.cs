namespace Teeceepee.Cli.Http;

/// <summary>The peer sent something that is not HTTP/1.1 as we understand it.</summary>
internal sealed class HttpParseException : Exception
{
    public HttpParseException() { }

    public HttpParseException(string message) : base(message) { }

    public HttpParseException(string message, Exception inner) : base(message, inner) { }
}
