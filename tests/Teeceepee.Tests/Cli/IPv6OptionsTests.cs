using System.Net;
using System.Net.Sockets;
using Teeceepee.Cli;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Options;
using Teeceepee.Tests.Cli.Fakes;

namespace Teeceepee.Tests.Cli;

/// <summary>The CLI's IPv6 options: --ip per family, --gateway per family, --slaac, ping -4/-6, the bench's IPv6 environment.</summary>
public class IPv6OptionsTests
{
    private static async Task<(int Code, CliHarness Cli)> Run(FakeProbe? probe, params string[] args)
    {
        var cli = new CliHarness { Probe = probe ?? new FakeProbe() };
        int code = await cli.RunAsync(args);
        return (code, cli);
    }

    [Fact]
    public async Task IpRepeated_OnePerFamily_GivesBothAddressesAndRouters()
    {
        var (code, cli) = await Run(null, "ping", "2001:db8::1", "--tap", "tap7", "--ip", "198.18.0.2/24", "--ip", "2001:db8::2/64",
            "--gateway", "198.18.0.1", "--gateway", "fe80::1", "--dns", "2001:db8::53");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        var o = cli.Networks.Options!;
        Assert.Equal(IPAddress.Parse("198.18.0.2"), o.Address);
        Assert.Equal(24, o.PrefixLength);
        Assert.Equal(IPAddress.Parse("2001:db8::2"), o.Address6);
        Assert.Equal(64, o.PrefixLength6);
        Assert.Equal(IPAddress.Parse("198.18.0.1"), o.Gateway);
        Assert.Equal(IPAddress.Parse("fe80::1"), o.Gateway6);
        Assert.Equal(IPAddress.Parse("2001:db8::53"), o.Dns);
        Assert.True(o.HasIPv6);
    }

    [Fact]
    public async Task IPv6Only_WithGatewayInsidePrefix_IsAccepted()
    {
        var (code, cli) = await Run(null, "ping", "fd00:1::1", "--tap", "t", "--ip", "fd00:1::2/64", "--gateway", "fd00:1::1");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Null(cli.Networks.Options!.Address);
        Assert.Equal(IPAddress.Parse("fd00:1::1"), cli.Networks.Options.Gateway6);
    }

    [Fact]
    public async Task Slaac_OnTap_IsAcceptedAsTheOnlyAddress()
    {
        var (code, cli) = await Run(null, "ping", "2001:db8::1", "--tap", "t", "--slaac");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.True(cli.Networks.Options!.Slaac);
        Assert.True(cli.Networks.Options.HasIPv6);
    }

    [Theory]
    [InlineData("teeceepee ping: --ip takes one IPv4 address; 198.18.0.2 and 198.18.0.3 were both given", "--tap", "t", "--ip", "198.18.0.2/24", "--ip", "198.18.0.3/24")]
    [InlineData("teeceepee ping: --ip takes one IPv6 address; 2001:db8::2 and 2001:db8::3 were both given", "--tap", "t", "--ip", "2001:db8::2/64", "--ip", "2001:db8::3/64")]
    [InlineData("teeceepee ping: prefix length 129 in --ip is out of range (1-128)", "--tap", "t", "--ip", "2001:db8::2/129")]
    [InlineData("teeceepee ping: invalid prefix length 'x' in --ip (expected a number 1-128)", "--tap", "t", "--ip", "2001:db8::2/x")]
    [InlineData("teeceepee ping: invalid IPv6 address '2001:db8:::2' in --ip", "--tap", "t", "--ip", "2001:db8:::2/64")]
    [InlineData("teeceepee ping: invalid IPv6 address '[2001:db8::2]' in --ip", "--tap", "t", "--ip", "[2001:db8::2]/64")]
    [InlineData("teeceepee ping: --ip ff02::1 is not a usable host address", "--tap", "t", "--ip", "ff02::1/64")]
    [InlineData("teeceepee ping: --ip :: is not a usable host address", "--tap", "t", "--ip", "::/64")]
    [InlineData("teeceepee ping: --ip ::1 is not a usable host address", "--tap", "t", "--ip", "::1/128")]
    [InlineData("teeceepee ping: --gateway takes one IPv6 router; fe80::1 and fe80::2 were both given", "--tap", "t", "--ip", "2001:db8::2/64", "--gateway", "fe80::1", "--gateway", "fe80::2")]
    [InlineData("teeceepee ping: --gateway takes one IPv4 router; 198.18.0.1 and 198.18.0.9 were both given", "--tap", "t", "--ip", "198.18.0.2/24", "--gateway", "198.18.0.1", "--gateway", "198.18.0.9")]
    [InlineData("teeceepee ping: IPv6 gateway fe80::1 needs an IPv6 address: add --ip ADDR/PREFIX or --slaac", "--tap", "t", "--ip", "198.18.0.2/24", "--gateway", "fe80::1")]
    [InlineData("teeceepee ping: IPv4 gateway 198.18.0.1 needs an IPv4 address: add --ip ADDR/PREFIX or --dhcp", "--tap", "t", "--ip", "2001:db8::2/64", "--gateway", "198.18.0.1")]
    [InlineData("teeceepee ping: gateway 2001:db8:1::1 is neither link-local nor inside 2001:db8::2/64", "--tap", "t", "--ip", "2001:db8::2/64", "--gateway", "2001:db8:1::1")]
    [InlineData("teeceepee ping: --gateway ff02::2 is not a usable router address", "--tap", "t", "--ip", "2001:db8::2/64", "--gateway", "ff02::2")]
    [InlineData("teeceepee ping: invalid IPv6 address 'fe80::1::2' in --gateway", "--tap", "t", "--ip", "2001:db8::2/64", "--gateway", "fe80::1::2")]
    [InlineData("teeceepee ping: --slaac needs an Ethernet link (--tap or --raw); give --ip on a TUN link", "--tun", "t", "--slaac")]
    [InlineData("teeceepee ping: --slaac needs a link: add --tap NAME, --tun NAME or --raw IFACE", "--slaac")]
    [InlineData("teeceepee ping: invalid IPv6 address '2001:db8::zz' in --dns", "--tap", "t", "--slaac", "--dns", "2001:db8::zz")]
    public async Task InvalidIPv6Options_ExitWithUsageErrorAndOneLine(string expected, params string[] linkArgs)
    {
        var (code, cli) = await Run(null, ["ping", "198.18.0.1", .. linkArgs]);
        Assert.Equal(2, code);
        Assert.Equal(expected, cli.ErrorLine);
        Assert.Null(cli.Networks.Options);
    }

    [Theory]
    [InlineData("teeceepee ping: -4 and -6 cannot be used together", "198.18.0.1", "-4", "-6")]
    [InlineData("teeceepee ping: 2001:db8::1 is an IPv6 address; -4 asks for IPv4", "2001:db8::1", "-4")]
    [InlineData("teeceepee ping: 198.18.0.1 is an IPv4 address; -6 asks for IPv6", "198.18.0.1", "-6")]
    public async Task PingFamilyFlags_Contradictions_AreUsageErrors(string expected, params string[] args)
    {
        var (code, cli) = await Run(null, ["ping", .. args, "--tap", "t", "--ip", "198.18.0.2/24", "--ip", "2001:db8::2/64"]);
        Assert.Equal(2, code);
        Assert.Equal(expected, cli.ErrorLine);
    }

    [Theory]
    [InlineData("http://[fd00::1/", "the IPv6 address has no closing ']'")]
    [InlineData("http://[not-an-address]:80/", "'not-an-address' in brackets is not an IPv6 address")]
    [InlineData("http://[198.18.0.1]/", "'198.18.0.1' in brackets is not an IPv6 address")]
    [InlineData("http://[fd00::1]:99999/", "port 99999 is out of range (1-65535)")]
    [InlineData("http://[fd00::1]:8o/", "port '8o' is not a number (1-65535)")]
    // System.Uri takes this one as [fd00::1] with the path /x/: the CLI fetched the wrong path before the check.
    [InlineData("http://[fd00::1]x/", "'x' after the IPv6 address is neither a port (:PORT) nor a path (/)")]
    public async Task CurlBadIPv6Url_OneSentence_CurlsMalformedUrlCode_BeforeAnyNetwork(string url, string reason)
    {
        var (code, cli) = await Run(null, "curl", url, "--tap", "t", "--ip", "fd00::2/64");
        // Exit code 3 is curl's CURLE_URL_MALFORMAT, as for every malformed URL (README: "Exit codes are curl's").
        Assert.Equal(3, code);
        Assert.Equal($"teeceepee curl: malformed URL '{url}': {reason}", cli.ErrorLine);
        Assert.Null(cli.Networks.Options);
    }

    [Theory]
    [InlineData("http://[fd00::1]:8080/")]
    [InlineData("[fd00::1]/")]
    public async Task CurlIPv6Url_Valid_ReachesTheNetwork(string url)
    {
        var (code, cli) = await Run(null, "curl", url, "--tap", "t", "--ip", "fd00::2/64");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        Assert.Equal(IPAddress.Parse("fd00::2"), cli.Networks.Options!.Address6);
    }

    [Theory]
    [InlineData(false, false, "web.test", AddressFamily.Unspecified)]
    [InlineData(true, false, "web.test", AddressFamily.InterNetwork)]
    [InlineData(false, true, "web.test", AddressFamily.InterNetworkV6)]
    [InlineData(false, true, "2001:db8::1", AddressFamily.InterNetworkV6)]
    public void PingFamilyFlags_PickTheFamily(bool ipv4, bool ipv6, string target, AddressFamily expected) =>
        Assert.Equal(expected, PingCommand.ReadFamily(ipv4, ipv6, target));

    [Fact]
    public async Task PingSession_IPv6Target_PrintsPing6Header()
    {
        var output = new StringWriter();
        var session = new PingSession((_, _, _, _) => ValueTask.FromResult(Teeceepee.Cli.Network.EchoResult.Reply(64, 64, TimeSpan.FromMilliseconds(1))), output);
        await session.RunAsync("2001:db8::1", IPAddress.Parse("2001:db8::1"), new PingOptions { Count = 1 }, CancellationToken.None);
        var lines = output.ToString().Split('\n');
        Assert.Equal("PING 2001:db8::1 (2001:db8::1) 56 data bytes", lines[0].TrimEnd());
        Assert.StartsWith("64 bytes from 2001:db8::1: icmp_seq=1 ttl=64 time=", lines[1]);
    }

    [Fact]
    public async Task BenchServer_IPv6Environment_GivesBothFamilies()
    {
        var probe = new FakeProbe
        {
            Environment = new()
            {
                ["BENCH_TAP"] = "tap0", ["BENCH_ADDR"] = "198.18.0.2", ["BENCH_GW"] = "198.18.0.1",
                ["BENCH_ADDR6"] = "fd00:b::2", ["BENCH_PREFIX6"] = "64", ["BENCH_GW6"] = "fd00:b::1",
            },
        };
        var (code, cli) = await Run(probe, "bench-server");
        Assert.Equal(RecordingNetworkFactory.Reached, code);
        var o = cli.Networks.Options!;
        Assert.Equal(IPAddress.Parse("198.18.0.2"), o.Address);
        Assert.Equal(IPAddress.Parse("fd00:b::2"), o.Address6);
        Assert.Equal(64, o.PrefixLength6);
        Assert.Equal(IPAddress.Parse("fd00:b::1"), o.Gateway6);
    }

    [Theory]
    [InlineData("BENCH_ADDR6", "fd00:b::zz", "teeceepee bench-server: invalid IPv6 address 'fd00:b::zz' in BENCH_ADDR6")]
    [InlineData("BENCH_ADDR6", "198.18.0.9", "teeceepee bench-server: BENCH_ADDR6 198.18.0.9 is not an IPv6 address")]
    [InlineData("BENCH_PREFIX6", "200", "teeceepee bench-server: prefix length 200 in BENCH_ADDR6 is out of range (1-128)")]
    [InlineData("BENCH_GW6", "198.18.0.1", "teeceepee bench-server: invalid IPv6 address '198.18.0.1' in BENCH_GW6")]
    public async Task BenchServer_BadIPv6Environment_IsAUsageError(string variable, string value, string expected)
    {
        var environment = new Dictionary<string, string> { ["BENCH_TAP"] = "tap0", ["BENCH_ADDR6"] = "fd00:b::2", [variable] = value };
        var (code, cli) = await Run(new FakeProbe { Environment = environment }, "bench-server");
        Assert.Equal(2, code);
        Assert.Equal(expected, cli.ErrorLine);
    }

    [Theory]
    [InlineData("[::1]:1080", "::1", 1080)]
    [InlineData("[2001:db8::2]:0", "2001:db8::2", 0)]
    [InlineData("127.0.0.1:1080", "127.0.0.1", 1080)]
    public void Endpoint_AcceptsBracketedIPv6(string text, string address, int port)
    {
        Assert.True(ValueParsers.TryParseEndpoint(text, "--listen", out var endpoint, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("::1:1080", "--listen needs an IPv6 address in brackets, e.g. [::1]:1080 (got '::1:1080')")]
    [InlineData("[::zz]:1080", "invalid IPv6 address '::zz' in --listen")]
    [InlineData("[198.18.0.1]:1080", "invalid IPv4 address '198.18.0.1' in --listen")]
    public void Endpoint_RejectsUnbracketedOrBadIPv6(string text, string expected)
    {
        Assert.False(ValueParsers.TryParseEndpoint(text, "--listen", out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("web.test:8080:2001:db8::1")]
    [InlineData("web.test:8080:[2001:db8::1]")]
    public void Resolve_AcceptsIPv6Addresses(string text)
    {
        Assert.True(ValueParsers.TryParseResolve(text, out var entry, out _));
        Assert.Equal(IPAddress.Parse("2001:db8::1"), entry.Address);
        Assert.Equal(8080, entry.Port);
    }
}
