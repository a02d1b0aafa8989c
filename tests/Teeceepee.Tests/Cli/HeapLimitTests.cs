using Teeceepee.Cli.Options;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary>
/// <c>--heap-limit SIZE</c> (issue 13 item 3): sizes parse in binary and SI units, and a bad size stops every command
/// with one sentence and exit code 2 before anything runs. (A valid size is not applied here: it would cap the test
/// host's own heap; the scale scripts run bench-server with it.)
/// </summary>
public class HeapLimitTests
{
    [Theory]
    [InlineData("512m", 512L << 20)]
    [InlineData("2g", 2L << 30)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("500mb", 500_000_000L)]
    [InlineData("100000000", 100_000_000L)]
    public void TryParse_Sizes_Octets(string text, long expected)
    {
        Assert.True(HeapLimit.TryParse(text, out long bytes, out string? error), error);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("lots")]
    [InlineData("-1g")]
    [InlineData("0")]
    [InlineData("16m")]
    public void TryParse_BadOrTooSmall_Refused(string text)
    {
        Assert.False(HeapLimit.TryParse(text, out _, out string? error));
        Assert.Contains("--heap-limit", error);
    }

    [Theory]
    [InlineData("bench-server", null)]
    [InlineData("ping", "198.18.0.1")]
    public async Task AnyCommand_BadHeapLimit_UsageErrorBeforeTheCommandRuns(string command, string? target)
    {
        var cli = new CliHarness { Probe = new FakeProbe() };
        string[] args = [command, "--tap", "tap0", "--ip", "198.18.0.2/24", "--heap-limit", "16m", .. (target is null ? [] : new[] { target })];
        int code = await cli.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Contains("--heap-limit 16m: the limit must be at least 32m", cli.ErrorLine);
        Assert.Null(cli.Networks.Options);
    }
}
