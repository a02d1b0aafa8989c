using Teeceepee.Cli.Http;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary>The validated options of <c>teeceepee curl</c>.</summary>
internal sealed record CurlOptions
{
    public required HttpUrl Url { get; init; }
    public string Method { get; init; } = "GET";
    public bool HeadersOnly { get; init; }
    public bool IncludeHeaders { get; init; }
    public string? OutputFile { get; init; }
    public byte[]? Body { get; init; }
    public IReadOnlyList<string> Headers { get; init; } = [];
    public IReadOnlyList<ResolveEntry> Resolve { get; init; } = [];
    public TimeSpan? MaxTime { get; init; }
    public TimeSpan? ConnectTimeout { get; init; }
    public bool FollowRedirects { get; init; }
    public int MaxRedirects { get; init; } = 50;
    public bool Fail { get; init; }
}
