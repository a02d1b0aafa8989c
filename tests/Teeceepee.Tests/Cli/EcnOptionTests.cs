using Teeceepee.Tcp;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary><c>--ecn on|off|passive</c>: the stack's TCP ECN mode (RFC 3168; Linux's tcp_ecn 1, 0, 2).</summary>
public class EcnOptionTests
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
        Assert.Null(cli.Networks.Options!.Ecn);
    }

    [Theory]
    [InlineData("on", EcnMode.On)]
    [InlineData("OFF", EcnMode.Off)]
    [InlineData("passive", EcnMode.Passive)]
    [InlineData("1", EcnMode.On)]
    public async Task Mode_ReachesTheStackOptions(string value, EcnMode expected)
    {
        var (code, cli) = await Run("serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--ecn", value);
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal(expected, cli.Networks.Options!.Ecn);
    }

    [Fact]
    public async Task UnknownMode_IsAUsageError()
    {
        var (code, cli) = await Run("serve", "--tap", "tap0", "--ip", "198.18.0.2/24", "--ecn", "always");
        Assert.Equal(2, code);
        Assert.Contains("--ecn always", cli.ErrorLine);
    }

    [Fact]
    public async Task WithKernel_IsAUsageError()
    {
        var (code, cli) = await Run("ping", "198.18.0.1", "--kernel", "--ecn", "on");
        Assert.Equal(2, code);
        Assert.Equal("teeceepee ping: --ecn does not apply to --kernel", cli.ErrorLine);
    }
}
