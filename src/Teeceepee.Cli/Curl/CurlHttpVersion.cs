namespace Teeceepee.Cli.Curl;

/// <summary>Which HTTP version curl asks for.</summary>
internal enum CurlHttpVersion
{
    /// <summary>curl's default: HTTP/2 by ALPN on https://, HTTP/1.1 on http://.</summary>
    Default,
    /// <summary>--http1.1.</summary>
    Http11,
    /// <summary>--http2: HTTP/2 by ALPN on https:// (HTTP/1.1 if the server does not offer it), prior knowledge on http://.</summary>
    Http2,
}
