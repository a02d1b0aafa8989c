using Teeceepee.Cli.Curl;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary>The validated options of <c>teeceepee curl</c>.</summary>
internal sealed record CurlOptions
{
    public required Uri Url { get; init; }
    public string Method { get; init; } = "GET";
    public bool HeadersOnly { get; init; }
    public bool IncludeHeaders { get; init; }
    /// <summary>-o FILE ("-": standard output).</summary>
    public string? OutputFile { get; init; }
    /// <summary>-O: write to the URL's file name.</summary>
    public bool RemoteName { get; init; }
    public byte[]? Body { get; init; }
    /// <summary>-H lines as (name, value); an empty value removes a default header (curl's "Name:").</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    public IReadOnlyList<ResolveEntry> Resolve { get; init; } = [];
    public TimeSpan? MaxTime { get; init; }
    public TimeSpan? ConnectTimeout { get; init; }
    public bool FollowRedirects { get; init; }
    public int MaxRedirects { get; init; } = 50;
    public bool Fail { get; init; }
    /// <summary>-k: accept any server certificate.</summary>
    public bool Insecure { get; init; }
    /// <summary>--cacert FILE: trust these PEM certificates instead of the system store.</summary>
    public string? CaCertFile { get; init; }
    public CurlHttpVersion HttpVersion { get; init; }
    public string UserAgent { get; init; } = "teeceepee/1.0";
    /// <summary>-u USER:PASS (HTTP Basic).</summary>
    public string? User { get; init; }
    /// <summary>-r RANGE, as in "0-499".</summary>
    public string? Range { get; init; }
    public bool Compressed { get; init; }
    /// <summary>-w FORMAT.</summary>
    public string? WriteOut { get; init; }
    /// <summary>--tcp-fastopen: the request rides on the SYN when a cookie is cached (kept across runs in a file).</summary>
    public bool TcpFastOpen { get; init; }
    /// <summary>-v: curl's * > &lt; lines on stderr.</summary>
    public bool Verbose { get; init; }
    /// <summary>-s: no progress meter, no error message (unless -S).</summary>
    public bool Silent { get; init; }
    public bool ShowError { get; init; }
    /// <summary>-#: the progress bar instead of the meter.</summary>
    public bool ProgressBar { get; init; }
}
