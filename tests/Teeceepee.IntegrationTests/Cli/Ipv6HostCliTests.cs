using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// The CLI's IPv6 host against the kernel: --slaac from dnsmasq's router advertisements (address, default router,
/// RDNSS; a fetch by name over IPv6 DNS, through the router to another subnet, with Happy Eyeballs), --slaac with no
/// router (one clear sentence), and a static address the kernel already holds (DAD). The namespace's tap0 has
/// 198.18.0.1/24 and P:1::1/64 for a random fd00::/48 P per run; P:2::1 on the kernel's loopback is the far subnet.
/// </summary>
public sealed class Ipv6HostCliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;
    private string _work = null!;
    private readonly string _prefix = $"fd{Random.Shared.Next(0, 256):x2}:{Random.Shared.Next(0, 0x10000):x}:{Random.Shared.Next(1, 0x10000):x}";

    private string Router6 => _prefix + ":1::1";
    private string Far6 => _prefix + ":2::1";

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        _work = Directory.CreateTempSubdirectory($"tcpcli-v6host-{Environment.ProcessId}-").FullName;
        await StackCliTests.AddTap(_ns);
        foreach (var command in new[]
        {
            new[] { "sysctl", "-qw", "net.ipv6.conf.tap0.disable_ipv6=0" },
            ["sysctl", "-qw", "net.ipv6.conf.tap0.accept_dad=0"],
            ["ip", "addr", "add", Router6 + "/64", "dev", "tap0", "nodad"],
            ["ip", "link", "set", "lo", "up"],
            ["ip", "addr", "add", Far6 + "/128", "dev", "lo"],
        })
        {
            var result = await _ns.Exec(command);
            Assert.True(result.ExitCode == 0, string.Join(' ', command) + ": " + result.Stderr);
        }
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        Directory.Delete(_work, true);
    }

    private async Task StartDnsmasqAsync()
    {
        // Router advertisements only (no DHCPv6): prefix P:1::/64 for SLAAC, RDNSS naming dnsmasq itself, which answers
        // web6.test with the far subnet's address.
        string dnsmasq = string.Join(' ',
            "exec /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --interface=tap0 --except-interface=lo",
            $"--listen-address={Router6} --user=root --pid-file={_work}/dnsmasq.pid --log-facility=-",
            $"--enable-ra --dhcp-range={_prefix}:1::,ra-only,64,10m --ra-param=tap0,4,1800",
            $"--dhcp-option=option6:dns-server,[{Router6}] --host-record=web6.test,{Far6}");
        await _ns.StartBackground("ready", "sh", "-c", $"({dnsmasq}) & sleep 0.5; echo ready; wait");
    }

    [CliNamespaceFact]
    public async Task Slaac_FromDnsmasq_AddressRouterAndRdnss_CurlByNameReachesTheFarSubnet()
    {
        await StartDnsmasqAsync();
        var file = RandomNumberGenerator.GetBytes(200_000);
        Directory.CreateDirectory(Path.Combine(_work, "site"));
        await File.WriteAllBytesAsync(Path.Combine(_work, "site", "file"), file);
        await _ns.StartBackground("Serving HTTP", "python3", "-u", "-m", "http.server", "8080", "--bind", Far6, "--directory", Path.Combine(_work, "site"));

        // No --ip, no --dns, no --gateway: everything comes from the router advertisement.
        string output = Path.Combine(_work, "out");
        var curl = await _ns.Cli("curl", "--tap", "tap0", "--slaac", "--trace-stack", "-v", "--max-time", "30", "-o", output, "http://web6.test:8080/file");
        Assert.True(curl.ExitCode == 0, curl.Stderr);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(file)), Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(output))));
        // Resolved over IPv6 DNS (RDNSS), raced by Happy Eyeballs, connected to the far subnet through the default router.
        Assert.Contains("Trying web6.test port 8080 (Happy Eyeballs", curl.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Connected to web6.test ({Far6}) port 8080", curl.Stderr, StringComparison.Ordinal);

        // --trace-stack names what the advertisement gave: the address (an RFC 7217 identifier, not the MAC's EUI-64 with
        // ff:fe in the middle), the default router (the kernel's link-local address) and the RDNSS server.
        var learned = Regex.Match(curl.Stderr, $@"slaac ({Regex.Escape(_prefix)}:1:[0-9a-f:]+)/64 router (fe80::[0-9a-f:]+) dns {Regex.Escape(Router6)}");
        Assert.True(learned.Success, curl.Stderr);
        Assert.DoesNotMatch("ff:fe[0-9a-f]{2}:[0-9a-f]{1,4}$", learned.Groups[1].Value);
    }

    [CliNamespaceFact]
    public async Task Slaac_NoRouterAdvertisement_SaysSoInOneSentence()
    {
        var ping = await _ns.Cli("ping", "-c", "1", "--tap", "tap0", "--slaac", Router6);
        Assert.NotEqual(0, ping.ExitCode);
        Assert.Contains("no IPv6 router advertisement within 10 s on tap0 (3 router solicitations sent)", ping.Stderr, StringComparison.Ordinal);
    }

    [CliNamespaceFact]
    public async Task StaticAddress_TheKernelHolds_DadSaysItIsInUse()
    {
        string taken = _prefix + ":1::2";
        var added = await _ns.Exec("ip", "addr", "add", taken + "/64", "dev", "tap0", "nodad");
        Assert.True(added.ExitCode == 0, added.Stderr);
        var ping = await _ns.Cli("ping", "-c", "1", "--tap", "tap0", "--ip", taken + "/64", Router6);
        Assert.NotEqual(0, ping.ExitCode);
        Assert.Contains($"IPv6 address {taken} is already in use on tap0 (duplicate address detection)", ping.Stderr, StringComparison.Ordinal);
    }
}
