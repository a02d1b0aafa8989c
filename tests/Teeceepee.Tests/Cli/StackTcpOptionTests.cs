using Teeceepee.Cli.Options;
using Teeceepee.Tcp;
using Teeceepee.Tcp.Congestion;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary>
/// The stack's TCP options on the command line (<c>--congestion</c>, <c>--ecn</c>, <c>--tcp-buffer</c>,
/// <c>--fastopen</c>, <c>--syn-rate</c>): each value reaches the stack's options, a bad value is a usage error naming the
/// option, and none of them applies to <c>--kernel</c>.
/// </summary>
public class StackTcpOptionTests
{
    private static readonly string[] Serve = ["serve", "--tap", "tap0", "--ip", "198.18.0.2/24"];

    private static async Task<(int Code, CliHarness Cli)> Run(params string[] args)
    {
        var cli = new CliHarness { Probe = new FakeProbe() };
        int code = await cli.RunAsync(args);
        return (code, cli);
    }

    private static async Task<LinkOptions> ServeWith(params string[] extra)
    {
        var (code, cli) = await Run([.. Serve, .. extra]);
        Assert.True(code == RecordingNetworkFactory.Reached, cli.ErrorLine);
        return cli.Networks.Options!;
    }

    [Fact]
    public async Task NoneGiven_LeavesEveryStackDefault()
    {
        var options = await ServeWith();
        Assert.Null(options.Congestion);
        Assert.Null(options.Ecn);
        Assert.Null(options.TcpBuffer);
        Assert.Null(options.FastOpen);
        Assert.Null(options.SynRate);
    }

    [Theory]
    [InlineData("cubic", CongestionAlgorithm.Cubic)]
    [InlineData("newreno", CongestionAlgorithm.NewReno)]
    [InlineData("Reno", CongestionAlgorithm.NewReno)]
    [InlineData("bbr", CongestionAlgorithm.Bbr)]
    [InlineData("bbr-lt", CongestionAlgorithm.BbrLossTolerant)]
    public async Task Congestion_Name_ReachesTheStackOptions(string value, CongestionAlgorithm expected) =>
        Assert.Equal(expected, (await ServeWith("--congestion", value)).Congestion);

    [Theory]
    [InlineData("on", EcnMode.On)]
    [InlineData("OFF", EcnMode.Off)]
    [InlineData("passive", EcnMode.Passive)]
    [InlineData("1", EcnMode.On)]
    public async Task Ecn_Mode_ReachesTheStackOptions(string value, EcnMode expected) =>
        Assert.Equal(expected, (await ServeWith("--ecn", value)).Ecn);

    [Fact]
    public async Task TcpBuffer_Size_ReachesTheStackOptions() =>
        Assert.InRange((await ServeWith("--tcp-buffer", "4mb")).TcpBuffer!.Value, 4_000_000, 4 << 20);

    [Fact]
    public async Task FastOpen_Flag_ReachesTheStackOptions() =>
        Assert.True((await ServeWith("--fastopen")).FastOpen);

    [Fact]
    public async Task SynRate_Number_ReachesTheStackOptions() =>
        Assert.Equal(5000, (await ServeWith("--syn-rate", "5000")).SynRate);

    [Theory]
    [InlineData("--congestion", "vegas")]
    [InlineData("--ecn", "always")]
    [InlineData("--tcp-buffer", "20ms")]
    [InlineData("--tcp-buffer", "10")]
    [InlineData("--tcp-buffer", "2gb")]
    [InlineData("--syn-rate", "0")]
    [InlineData("--syn-rate", "fast")]
    public async Task BadValue_IsAUsageErrorNamingTheOption(string option, string value)
    {
        var (code, cli) = await Run([.. Serve, option, value]);
        Assert.Equal(2, code);
        Assert.Contains(option, cli.ErrorLine);
    }

    [Theory]
    [InlineData("--congestion", "cubic")]
    [InlineData("--ecn", "on")]
    [InlineData("--syn-rate", "100")]
    public async Task WithKernel_IsAUsageError(string option, string value)
    {
        var (code, cli) = await Run("ping", "198.18.0.1", "--kernel", option, value);
        Assert.Equal(2, code);
        Assert.Equal($"teeceepee ping: {option} does not apply to --kernel", cli.ErrorLine);
    }

    [Fact]
    public async Task FastOpenWithKernel_IsAUsageError()
    {
        var (code, cli) = await Run("ping", "198.18.0.1", "--kernel", "--fastopen");
        Assert.Equal(2, code);
        Assert.Equal("teeceepee ping: --fastopen does not apply to --kernel", cli.ErrorLine);
    }
}
