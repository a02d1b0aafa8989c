using System.Net;
using Teeceepee.Cli.Options;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

public class LinkOptionsTests
{
    private static async Task<(int Code, CliHarness Cli)> Run(FakeProbe? probe, params string[] args)
    {
        var cli = new CliHarness { Probe = probe ?? new FakeProbe() };
        int code = await cli.RunAsync(args);
        return (code, cli);
    }

    [Fact]
    public async Task ValidTapOptions_AreParsedIntoLinkOptions()
    {
        var (code, cli) = await Run(null, "ping", "198.18.0.1", "--tap", "tap7", "--ip", "198.18.0.2/24", "--gateway", "198.18.0.1",
            "--dns", "198.18.0.53", "--mac", "02:00:00:00:00:02", "--mtu", "9000", "--loss", "2%", "--duplicate", "0.01",
            "--reorder", "50%", "--corrupt", "0", "--delay", "5", "--seed", "42", "-v");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        var o = cli.Networks.Options!;
        Assert.Equal(LinkKind.Tap, o.Kind);
        Assert.Equal("tap7", o.Device);
        Assert.Equal(IPAddress.Parse("198.18.0.2"), o.Address);
        Assert.Equal(24, o.PrefixLength);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), o.Gateway);
        Assert.Equal(IPAddress.Parse("198.18.0.53"), o.Dns);
        Assert.Equal("02:00:00:00:00:02", o.Mac.ToString());
        Assert.Equal(9000, o.Mtu);
        Assert.Equal(0.02, o.Loss, 10);
        Assert.Equal(0.01, o.Duplicate, 10);
        Assert.Equal(0.5, o.Reorder, 10);
        Assert.Equal(0, o.Corrupt);
        Assert.Equal(TimeSpan.FromMilliseconds(5), o.Delay);
        Assert.Equal(42, o.Seed);
        Assert.True(o.Verbose);
        Assert.True(o.HasFaults);
    }

    [Fact]
    public async Task Kernel_IsAcceptedWithoutAddress()
    {
        var (code, cli) = await Run(null, "ping", "198.18.0.1", "--kernel");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal(LinkKind.Kernel, cli.Networks.Options!.Kind);
    }

    [Fact]
    public async Task TunWithIp_IsAccepted()
    {
        var (code, cli) = await Run(null, "ping", "198.18.0.1", "--tun", "tun3", "--ip", "198.18.0.2/32");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal(LinkKind.Tun, cli.Networks.Options!.Kind);
        Assert.Equal(32, cli.Networks.Options.PrefixLength);
    }

    [Fact]
    public async Task RawOnExistingInterface_WithDhcp_IsAccepted()
    {
        var (code, cli) = await Run(null, "ping", "198.18.0.1", "--raw", "eth0", "--dhcp");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.True(cli.Networks.Options!.Dhcp);
    }

    [Fact]
    public async Task ExistingTapDevice_IsAttached()
    {
        var probe = new FakeProbe { TunTapDevices = ["tap0"] };
        var (code, _) = await Run(probe, "ping", "198.18.0.1", "--tap", "tap0", "--ip", "198.18.0.2/24");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
    }

    [Theory]
    [InlineData("teeceepee ping: --tap and --tun cannot be used together; choose one link", "--tap", "a", "--tun", "b", "--ip", "198.18.0.2/24")]
    [InlineData("teeceepee ping: --tap and --raw cannot be used together; choose one link", "--tap", "a", "--raw", "eth0", "--ip", "198.18.0.2/24")]
    [InlineData("teeceepee ping: --tun and --kernel cannot be used together; choose one link", "--tun", "a", "--kernel")]
    [InlineData("teeceepee ping: no link given: use --tap NAME, --tun NAME or --raw IFACE with --ip ADDR/PREFIX")]
    [InlineData("teeceepee ping: --tap needs an address: add --ip ADDR/PREFIX or --dhcp", "--tap", "tap0")]
    [InlineData("teeceepee ping: --ip needs a link: add --tap NAME, --tun NAME or --raw IFACE", "--ip", "198.18.0.2/24")]
    [InlineData("teeceepee ping: --loss does not apply to --kernel", "--kernel", "--loss", "1%")]
    [InlineData("teeceepee ping: invalid IPv4 address '198.18.0.300' in --ip", "--tap", "t", "--ip", "198.18.0.300/24")]
    [InlineData("teeceepee ping: invalid IPv4 address 'banana' in --ip", "--tap", "t", "--ip", "banana/24")]
    [InlineData("teeceepee ping: --ip needs ADDR/PREFIX, e.g. 198.18.0.2/24 (got '198.18.0.2')", "--tap", "t", "--ip", "198.18.0.2")]
    [InlineData("teeceepee ping: prefix length 33 in --ip is out of range (1-32)", "--tap", "t", "--ip", "198.18.0.2/33")]
    [InlineData("teeceepee ping: prefix length 0 in --ip is out of range (1-32)", "--tap", "t", "--ip", "198.18.0.2/0")]
    [InlineData("teeceepee ping: invalid prefix length 'x' in --ip (expected a number 1-32)", "--tap", "t", "--ip", "198.18.0.2/x")]
    [InlineData("teeceepee ping: --ip 127.0.0.1 is not a usable host address", "--tap", "t", "--ip", "127.0.0.1/8")]
    [InlineData("teeceepee ping: --ip and --dhcp cannot be used together", "--tap", "t", "--ip", "198.18.0.2/24", "--dhcp")]
    [InlineData("teeceepee ping: invalid IPv4 address '198.18.1' in --gateway", "--tap", "t", "--ip", "198.18.0.2/24", "--gateway", "198.18.1")]
    [InlineData("teeceepee ping: gateway 198.19.0.1 is not inside 198.18.0.2/24", "--tap", "t", "--ip", "198.18.0.2/24", "--gateway", "198.19.0.1")]
    [InlineData("teeceepee ping: invalid IPv4 address '::1' in --dns", "--tap", "t", "--ip", "198.18.0.2/24", "--dns", "::1")]
    [InlineData("teeceepee ping: invalid MAC address '02:00:00:00:02' in --mac (expected six hex bytes like 02:00:00:00:00:02)", "--tap", "t", "--ip", "198.18.0.2/24", "--mac", "02:00:00:00:02")]
    [InlineData("teeceepee ping: invalid MAC address '0200.0000.0002' in --mac (expected six hex bytes like 02:00:00:00:00:02)", "--tap", "t", "--ip", "198.18.0.2/24", "--mac", "0200.0000.0002")]
    [InlineData("teeceepee ping: --mac 01:00:5e:00:00:01 is a multicast address; a host needs a unicast MAC (first byte even, e.g. 02:...)", "--tap", "t", "--ip", "198.18.0.2/24", "--mac", "01:00:5e:00:00:01")]
    [InlineData("teeceepee ping: --mac 00:00:00:00:00:00 is all zeros; give a unicast MAC like 02:00:00:00:00:02", "--tap", "t", "--ip", "198.18.0.2/24", "--mac", "00:00:00:00:00:00")]
    [InlineData("teeceepee ping: --mac does not apply to a TUN link (it carries no Ethernet frames)", "--tun", "t", "--ip", "198.18.0.2/24", "--mac", "02:00:00:00:00:02")]
    [InlineData("teeceepee ping: --dhcp needs an Ethernet link (--tap or --raw); give --ip on a TUN link", "--tun", "t", "--dhcp")]
    [InlineData("teeceepee ping: --mtu 20 is out of range (68-65535)", "--tap", "t", "--ip", "198.18.0.2/24", "--mtu", "20")]
    [InlineData("teeceepee ping: --mtu 'big' is not a whole number", "--tap", "t", "--ip", "198.18.0.2/24", "--mtu", "big")]
    [InlineData("teeceepee ping: --loss 150% is more than 100%", "--tap", "t", "--ip", "198.18.0.2/24", "--loss", "150%")]
    [InlineData("teeceepee ping: --loss 2 is more than 1 (give a fraction 0..1 or a percentage like 2%)", "--tap", "t", "--ip", "198.18.0.2/24", "--loss", "2")]
    [InlineData("teeceepee ping: --duplicate -0.1 is negative", "--tap", "t", "--ip", "198.18.0.2/24", "--duplicate", "-0.1")]
    [InlineData("teeceepee ping: --reorder 'lots' is not a probability (give a fraction like 0.02 or a percentage like 2%)", "--tap", "t", "--ip", "198.18.0.2/24", "--reorder", "lots")]
    [InlineData("teeceepee ping: --corrupt 'x%' is not a probability (give a fraction like 0.02 or a percentage like 2%)", "--tap", "t", "--ip", "198.18.0.2/24", "--corrupt", "x%")]
    [InlineData("teeceepee ping: --delay -5 is out of range (0-60000)", "--tap", "t", "--ip", "198.18.0.2/24", "--delay", "-5")]
    [InlineData("teeceepee ping: --seed 'abc' is not a whole number", "--tap", "t", "--ip", "198.18.0.2/24", "--seed", "abc")]
    [InlineData("teeceepee ping: interface name 'averyveryverylongname' in --tap is longer than 15 characters", "--tap", "averyveryverylongname", "--ip", "198.18.0.2/24")]
    [InlineData("teeceepee ping: 'a/b' in --tun is not a valid interface name", "--tun", "a/b", "--ip", "198.18.0.2/24")]
    [InlineData("teeceepee ping: no such interface: eth9", "--raw", "eth9", "--ip", "198.18.0.2/24")]
    [InlineData("teeceepee ping: eth0 exists and is not a TUN/TAP device; give a new name or an existing TAP device", "--tap", "eth0", "--ip", "198.18.0.2/24")]
    [InlineData("teeceepee ping: cannot write --pcap /nonexistent-dir/x.pcap: directory /nonexistent-dir does not exist", "--tap", "t", "--ip", "198.18.0.2/24", "--pcap", "/nonexistent-dir/x.pcap")]
    public async Task InvalidLinkOptions_ExitWithUsageErrorAndOneLine(string expected, params string[] linkArgs)
    {
        var (code, cli) = await Run(null, ["ping", "198.18.0.1", .. linkArgs]);
        Assert.Equal(2, code);
        Assert.Equal(expected, cli.ErrorLine);
        Assert.Null(cli.Networks.Options);
    }

    [Fact]
    public async Task TapWithoutNetAdmin_IsStillOpened_AUserOwnedDeviceNeedsNoRoot()
    {
        // A persistent TAP created with "user NAME" opens without CAP_NET_ADMIN: try the open, explain only if it fails.
        var (code, cli) = await Run(new FakeProbe { HasNetAdmin = false }, "ping", "198.18.0.1", "--tap", "tap0", "--ip", "198.18.0.2/24");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal("tap0", cli.Networks.Options?.Device);
    }

    [Fact]
    public async Task RawWithoutNetRaw_FailsWithPermissionMessage()
    {
        var (code, cli) = await Run(new FakeProbe { HasNetRaw = false }, "ping", "198.18.0.1", "--raw", "eth0", "--ip", "198.18.0.2/24");
        Assert.Equal(1, code);
        Assert.Equal("teeceepee ping: --raw eth0 needs root or CAP_NET_RAW (AF_PACKET socket)", cli.ErrorLine);
    }

    [Fact]
    public async Task TunWithoutDevNetTun_FailsWithModprobeHint()
    {
        var (code, cli) = await Run(new FakeProbe { TunControlExists = false }, "ping", "198.18.0.1", "--tun", "tun0", "--ip", "198.18.0.2/24");
        Assert.Equal(1, code);
        Assert.Equal("teeceepee ping: /dev/net/tun does not exist, so no TUN device can be opened (load the tun module: modprobe tun)", cli.ErrorLine);
    }

    [Fact]
    public async Task UnknownOption_IsAUsageError()
    {
        var (code, cli) = await Run(null, "ping", "198.18.0.1", "--frobnicate");
        Assert.Equal(2, code);
        Assert.StartsWith("teeceepee ping: ", cli.ErrorLine);
        Assert.Contains("--frobnicate", cli.ErrorLine);
    }

    [Fact]
    public async Task BenchServer_WithoutLinkOptions_TakesTheBenchEnvironment()
    {
        var probe = new FakeProbe
        {
            Environment = new() { ["BENCH_TAP"] = "tap0", ["BENCH_ADDR"] = "198.18.0.2", ["BENCH_GW"] = "198.18.0.1", ["BENCH_MTU"] = "9000" },
        };
        var (code, cli) = await Run(probe, "bench-server");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        var o = cli.Networks.Options!;
        Assert.Equal(LinkKind.Tap, o.Kind);
        Assert.Equal("tap0", o.Device);
        Assert.Equal(IPAddress.Parse("198.18.0.2"), o.Address);
        Assert.Equal(24, o.PrefixLength);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), o.Gateway);
        Assert.Equal(9000, o.Mtu);
    }

    [Fact]
    public async Task BenchServer_BadBenchMtu_IsAUsageError()
    {
        var probe = new FakeProbe { Environment = new() { ["BENCH_TAP"] = "tap0", ["BENCH_MTU"] = "10" } };
        var (code, cli) = await Run(probe, "bench-server");
        Assert.Equal(2, code);
        Assert.Equal("teeceepee bench-server: BENCH_MTU 10 is out of range (68-65535)", cli.ErrorLine);
    }

    [Fact]
    public async Task Demo_RejectsLinkChoice()
    {
        var (code, cli) = await Run(null, "demo", "--tap", "tap0");
        Assert.Equal(2, code);
        Assert.StartsWith("teeceepee demo: ", cli.ErrorLine);
        Assert.Contains("--tap", cli.ErrorLine);
        Assert.Null(cli.Networks.Options);
    }

    [Fact]
    public async Task Demo_WithoutRoot_SaysSo()
    {
        var (code, cli) = await Run(new FakeProbe { HasNetAdmin = false }, "demo");
        Assert.Equal(1, code);
        Assert.Equal("teeceepee demo: demo needs root (it creates a network namespace and a TAP device); run it with sudo", cli.ErrorLine);
    }

    [Theory]
    [InlineData("0.02", 0.02)]
    [InlineData("2%", 0.02)]
    [InlineData("100%", 1.0)]
    [InlineData("0", 0.0)]
    [InlineData("1", 1.0)]
    [InlineData("0.5%", 0.005)]
    public void Probability_AcceptsFractionsAndPercentages(string text, double expected)
    {
        Assert.True(ValueParsers.TryParseProbability(text, "--loss", out double value, out _));
        Assert.Equal(expected, value, 12);
    }

    [Theory]
    [InlineData("02:00:00:00:00:02")]
    [InlineData("02-00-00-00-00-02")]
    [InlineData("AA:bb:CC:00:11:22")]
    public void Mac_AcceptsColonAndDashForms(string text) =>
        Assert.True(ValueParsers.TryParseMac(text, "--mac", out _, out _));

    [Theory]
    [InlineData("example.test:80:198.18.0.1", "example.test", 80)]
    [InlineData("example.test:*:198.18.0.1", "example.test", null)]
    public void Resolve_ParsesHostPortAddress(string text, string host, int? port)
    {
        Assert.True(ValueParsers.TryParseResolve(text, out var entry, out _));
        Assert.Equal(host, entry.Host);
        Assert.Equal(port, entry.Port);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), entry.Address);
        Assert.True(entry.Matches("EXAMPLE.test", 80));
    }

    [Theory]
    [InlineData("example.test:80", "--resolve needs HOST:PORT:ADDR, e.g. example.test:80:198.18.0.1 (got 'example.test:80')")]
    [InlineData("example.test:0:198.18.0.1", "--resolve port 0 is out of range (1-65535)")]
    [InlineData("example.test:80:nowhere", "invalid IPv4 address 'nowhere' in --resolve")]
    public void Resolve_RejectsMalformedEntries(string text, string expected)
    {
        Assert.False(ValueParsers.TryParseResolve(text, out _, out var error));
        Assert.Equal(expected, error);
    }
}
