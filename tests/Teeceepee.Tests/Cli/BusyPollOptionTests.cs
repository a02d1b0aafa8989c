using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary><c>--busy-poll US</c>: the stack's loop busy-polls before sleeping while traffic flows.</summary>
public class BusyPollOptionTests
{
    private static async Task<(int Code, CliHarness Cli)> Run(FakeProbe? probe, params string[] args)
    {
        var cli = new CliHarness { Probe = probe ?? new FakeProbe() };
        int code = await cli.RunAsync(args);
        return (code, cli);
    }

    [Fact]
    public async Task ByDefault_NoBusyPolling()
    {
        var (code, cli) = await Run(null, "serve", "--tap", "tap0", "--ip", "198.18.0.2/24");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal(TimeSpan.Zero, cli.Networks.Options!.BusyPoll);
    }

    [Fact]
    public async Task Microseconds_ReachTheStackOptions()
    {
        var (code, cli) = await Run(null, "serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--busy-poll", "20");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal(TimeSpan.FromMicroseconds(20), cli.Networks.Options!.BusyPoll);
    }

    [Fact]
    public async Task BenchServer_AppliesToTheBenchEnvironment()
    {
        var probe = new FakeProbe { Environment = new() { ["BENCH_TAP"] = "tap0", ["BENCH_ADDR"] = "198.18.0.2" } };
        var (code, cli) = await Run(probe, "bench-server", "--busy-poll", "50");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal("tap0", cli.Networks.Options!.Device);
        Assert.Equal(TimeSpan.FromMicroseconds(50), cli.Networks.Options.BusyPoll);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("10001")]
    [InlineData("fast")]
    public async Task OutOfRangeOrNotANumber_IsAUsageError(string value)
    {
        var (code, cli) = await Run(null, "serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--busy-poll", value);
        Assert.Equal(2, code);
        Assert.Contains("--busy-poll", cli.ErrorLine);
    }

    [Fact]
    public async Task WithKernel_IsAUsageError()
    {
        var (code, cli) = await Run(null, "ping", "198.18.0.1", "--kernel", "--busy-poll", "20");
        Assert.Equal(2, code);
        Assert.Equal("teeceepee ping: --busy-poll does not apply to --kernel", cli.ErrorLine);
    }
}
