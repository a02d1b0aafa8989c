using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Links;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary>TAP offloads in the CLI: on by default, <c>--no-offload</c> to turn them off, a clean fallback when the device refuses.</summary>
public class OffloadOptionTests
{
    private static async Task<(int Code, CliHarness Cli)> Run(FakeProbe? probe, params string[] args)
    {
        var cli = new CliHarness { Probe = probe ?? new FakeProbe() };
        int code = await cli.RunAsync(args);
        return (code, cli);
    }

    [Theory]
    [InlineData("ping", "198.18.0.1")]
    [InlineData("curl", "http://198.18.0.1/")]
    [InlineData("serve")]
    [InlineData("socks")]
    [InlineData("bench-server")]
    public async Task Tap_ByDefault_AsksForOffloads(params string[] command)
    {
        var (code, cli) = await Run(null, [.. command, "--tap", "tap0", "--ip", "198.18.0.2/24"]);
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.True(cli.Networks.Options!.Offloads);
    }

    [Theory]
    [InlineData("ping", "198.18.0.1")]
    [InlineData("curl", "http://198.18.0.1/")]
    [InlineData("serve")]
    [InlineData("socks")]
    [InlineData("bench-server")]
    public async Task NoOffload_IsAcceptedByEveryCommand(params string[] command)
    {
        var (code, cli) = await Run(null, [.. command, "--tap", "tap0", "--ip", "198.18.0.2/24", "--no-offload"]);
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.False(cli.Networks.Options!.Offloads);
    }

    [Fact]
    public async Task NoOffload_WithKernel_IsAUsageError()
    {
        var (code, cli) = await Run(null, "ping", "198.18.0.1", "--kernel", "--no-offload");
        Assert.Equal(2, code);
        Assert.Equal("teeceepee ping: --no-offload does not apply to --kernel", cli.ErrorLine);
    }

    [Fact]
    public async Task BenchServer_NoOffload_AppliesToTheBenchEnvironment()
    {
        var probe = new FakeProbe { Environment = new() { ["BENCH_TAP"] = "tap0", ["BENCH_ADDR"] = "198.18.0.2" } };
        var (code, cli) = await Run(probe, "bench-server", "--no-offload");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal("tap0", cli.Networks.Options!.Device);
        Assert.False(cli.Networks.Options.Offloads);

        (code, cli) = await Run(probe, "bench-server");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.True(cli.Networks.Options!.Offloads);
    }

    [Theory]
    [InlineData("curl")]
    [InlineData("serve")]
    [InlineData("ping")]
    [InlineData("socks")]
    [InlineData("bench-server")]
    [InlineData("demo")]
    public async Task Help_ListsNoOffload(string command)
    {
        var (code, cli) = await Run(null, command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("--no-offload", cli.Out.ToString());
    }

    [Fact]
    public void DescribeOffloads_DeviceRefused_SaysWhyAndThatFramesArePlain()
    {
        Assert.Equal("tap9: the device refused offloads (TUNSETOFFLOAD on 'tap9' failed: Invalid argument); using plain frames",
            TeeceepeeNetwork.DescribeOffloads("tap9", asked: true, LinkOffloads.None, "TUNSETOFFLOAD on 'tap9' failed: Invalid argument"));
    }

    [Fact]
    public void DescribeOffloads_NoOffload_SaysEveryChecksumIsVerified()
    {
        Assert.Equal("tap9: offloads off (--no-offload): plain frames, every checksum verified",
            TeeceepeeNetwork.DescribeOffloads("tap9", asked: false, LinkOffloads.None, null));
    }
}
