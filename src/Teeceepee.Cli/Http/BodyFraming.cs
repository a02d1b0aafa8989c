namespace Teeceepee.Cli.Http;

/// <summary>How a message body is delimited (RFC 9112 §6.3).</summary>
internal enum BodyFraming
{
    /// <summary>No body (HEAD, 1xx, 204, 304).</summary>
    None,
    /// <summary>Exactly Content-Length bytes.</summary>
    ContentLength,
    /// <summary>Transfer-Encoding: chunked.</summary>
    Chunked,
    /// <summary>Until the server closes the connection (responses only).</summary>
    UntilClose,
}
