using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Options;
using Teeceepee.Links;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary>The path description (--rate --queue --jitter --ecn-threshold --blackhole-mtu) as link options and for path-emulator.</summary>
public class PathOptionTests
{
    private static async Task<(int Code, CliHarness Cli)> Run(params string[] args)
    {
        var cli = new CliHarness { Probe = new FakeProbe() };
        int code = await cli.RunAsync(args);
        return (code, cli);
    }

    [Fact]
    public async Task LinkOptions_PathDescription_BecomesTheInjectorsOptions()
    {
        var (code, cli) = await Run("ping", "198.18.0.1", "--tap", "tap7", "--ip", "198.18.0.2/24", "--rate", "100mbit", "--queue", "20ms",
            "--jitter", "2", "--ecn-threshold", "30kb", "--blackhole-mtu", "1400", "--delay", "10", "--loss", "1%");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        var options = cli.Networks.Options!;
        Assert.True(options.HasFaults);
        var faults = options.ToFaultOptions();
        Assert.Equal(100_000_000, faults.RateBitsPerSecond);
        Assert.Equal(TimeSpan.FromMilliseconds(20), faults.QueueTime);
        Assert.Equal(250_000, faults.QueueLimitBytes);
        Assert.Equal(30_000, faults.EcnThresholdBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(2), faults.Jitter);
        Assert.Equal(1400, faults.BlackHoleMtu);
        Assert.Equal(TimeSpan.FromMilliseconds(10), faults.Delay);
        Assert.Equal(0.01, faults.Loss, 10);
    }

    [Theory]
    [InlineData("teeceepee ping: invalid rate '100' in --rate: give bits per second with a unit, like 100mbit, 1.5gbit or 800kbit", "--rate", "100")]
    [InlineData("teeceepee ping: invalid rate 'fast' in --rate: give bits per second with a unit, like 100mbit, 1.5gbit or 800kbit", "--rate", "fast")]
    [InlineData("teeceepee ping: invalid size '-5kb' in --queue: give octets (64000, 64kb, 1.5mb) or milliseconds at the rate (20ms)", "--rate", "1mbit", "--queue", "-5kb")]
    [InlineData("teeceepee ping: --queue needs --rate: a queue only fills behind a bottleneck", "--queue", "64kb")]
    [InlineData("teeceepee ping: --ecn-threshold needs --rate: marking depends on the queue behind a bottleneck", "--ecn-threshold", "5ms")]
    [InlineData("teeceepee ping: --blackhole-mtu 20 is out of range (68-65535)", "--blackhole-mtu", "20")]
    [InlineData("teeceepee ping: --jitter 'x' is not a whole number", "--jitter", "x")]
    public async Task LinkOptions_BadPathValue_OneSentence_ExitCode2(string message, params string[] extra)
    {
        var (code, cli) = await Run(["ping", "198.18.0.1", "--tap", "t", "--ip", "198.18.0.2/24", .. extra]);
        Assert.Equal(2, code);
        Assert.Equal(message, cli.Error.ToString().Trim());
    }

    [Theory]
    [InlineData("teeceepee path-emulator: give two TAP devices to join: --tap A --tap B", "--tap", "a")]
    [InlineData("teeceepee path-emulator: --tap a is given twice; the two ends must be different devices", "--tap", "a", "--tap", "a")]
    [InlineData("teeceepee path-emulator: interface name 'abcdefghijklmnopq' in --tap is longer than 15 characters", "--tap", "a", "--tap", "abcdefghijklmnopq")]
    [InlineData("teeceepee path-emulator: --ab-queue needs --ab-rate: a queue only fills behind a bottleneck", "--tap", "a", "--tap", "b", "--ab-queue", "10ms")]
    [InlineData("teeceepee path-emulator: invalid rate '1x' in --ba-rate: give bits per second with a unit, like 100mbit, 1.5gbit or 800kbit", "--tap", "a", "--tap", "b", "--ba-rate", "1x")]
    [InlineData("teeceepee path-emulator: --loss 2 is more than 1 (give a fraction 0..1 or a percentage like 2%)", "--tap", "a", "--tap", "b", "--loss", "2")]
    public async Task PathEmulator_BadValue_OneSentence_ExitCode2(string message, params string[] args)
    {
        var (code, cli) = await Run(["path-emulator", .. args]);
        Assert.Equal(2, code);
        Assert.Equal(message, cli.Error.ToString().Trim());
    }

    [Fact]
    public void PathEmulator_DirectionOverrides_MergeOverTheCommonOptions()
    {
        var both = new PathOptionSet("", "both");
        var ab = new PathOptionSet("ab-", "a to b");
        var command = new System.CommandLine.Command("x");
        both.AddTo(command);
        ab.AddTo(command);
        var result = command.Parse(["--rate", "10mbit", "--delay", "5", "--ab-delay", "20", "--ab-queue", "64kb"]);
        var common = both.Read(result, FaultOptions.None);
        var forward = ab.Read(result, common);
        Assert.Equal(10_000_000, forward.RateBitsPerSecond);
        Assert.Equal(TimeSpan.FromMilliseconds(20), forward.Delay);
        Assert.Equal(64_000, forward.QueueBytes);
        Assert.Equal(TimeSpan.FromMilliseconds(5), common.Delay);
        Assert.Equal("rate 10 Mbit/s, queue 64000 octets, delay 20 ms", PathEmulatorCommand.Describe(forward));
    }

    [Theory]
    [InlineData("100mbit", 100_000_000)]
    [InlineData("1.5Gbit", 1_500_000_000)]
    [InlineData("800kbit/s", 800_000)]
    [InlineData("9600bit", 9600)]
    public void Rate_Units(string text, long expected)
    {
        Assert.True(PathValueParsers.TryParseRate(text, "--rate", out long bps, out _));
        Assert.Equal(expected, bps);
    }
}
