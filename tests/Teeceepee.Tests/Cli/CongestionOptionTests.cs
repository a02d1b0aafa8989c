using Teeceepee.Tcp.Congestion;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary><c>--congestion cubic|bbr|newreno</c>: the stack's TCP congestion controller.</summary>
public class CongestionOptionTests
{
    private static async Task<(int Code, CliHarness Cli)> Run(params string[] args)
    {
        var cli = new CliHarness { Probe = new FakeProbe() };
        int code = await cli.RunAsync(args);
        return (code, cli);
    }

    [Fact]
    public async Task ByDefault_LeavesTheStackDefault()
    {
        var (code, cli) = await Run("serve", "--tap", "tap0", "--ip", "198.18.0.2/24");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Null(cli.Networks.Options!.Congestion);
    }

    [Theory]
    [InlineData("cubic", CongestionAlgorithm.Cubic)]
    [InlineData("newreno", CongestionAlgorithm.NewReno)]
    [InlineData("Reno", CongestionAlgorithm.NewReno)]
    [InlineData("bbr", CongestionAlgorithm.Bbr)]
    public async Task Name_ReachesTheStackOptions(string value, CongestionAlgorithm expected)
    {
        var (code, cli) = await Run("serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--congestion", value);
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal(expected, cli.Networks.Options!.Congestion);
    }

    [Fact]
    public async Task TcpBuffer_ReachesTheStackOptions()
    {
        var (code, cli) = await Run("serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--tcp-buffer", "4mb");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.InRange(cli.Networks.Options!.TcpBuffer!.Value, 4_000_000, 4 << 20);
    }

    [Theory]
    [InlineData("20ms")]
    [InlineData("10")]
    [InlineData("2gb")]
    public async Task TcpBuffer_NotOctetsInRange_IsAUsageError(string value)
    {
        var (code, cli) = await Run("serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--tcp-buffer", value);
        Assert.Equal(2, code);
        Assert.Contains("--tcp-buffer", cli.ErrorLine);
    }

    [Fact]
    public async Task UnknownName_IsAUsageError()
    {
        var (code, cli) = await Run("serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--congestion", "vegas");
        Assert.Equal(2, code);
        Assert.Contains("--congestion vegas", cli.ErrorLine);
    }

    [Fact]
    public async Task WithKernel_IsAUsageError()
    {
        var (code, cli) = await Run("ping", "198.18.0.1", "--kernel", "--congestion", "cubic");
        Assert.Equal(2, code);
        Assert.Equal("teeceepee ping: --congestion does not apply to --kernel", cli.ErrorLine);
    }
}
