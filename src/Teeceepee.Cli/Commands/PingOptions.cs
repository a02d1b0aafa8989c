namespace Teeceepee.Cli.Commands;

/// <summary>The validated options of <c>teeceepee ping</c>.</summary>
internal sealed record PingOptions
{
    /// <summary>Stop after this many requests (null: until Ctrl+C).</summary>
    public int? Count { get; init; }

    /// <summary>Time between requests.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>ICMP payload bytes (56 gives 64-byte ICMP messages and 84-byte IP packets).</summary>
    public int Size { get; init; } = 56;

    /// <summary>How long to wait for each reply (<see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: no limit).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
