using System.Security.Cryptography;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// IPv6 over the userspace stack end to end: the CLI on tap0 holds 198.18.0.2/24 and fd00:0:0:N::2/64 (N random
/// per run, inside fd00::/48); the kernel side of the TAP holds 198.18.0.1/24 and fd00:0:0:N::1/64. Captures are read
/// back with tshark, an independent decoder.
/// </summary>
public sealed class Ipv6CliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;
    private string _site = null!;
    private byte[] _file = null!;
    private readonly string _prefix = $"fd00:0:0:{Random.Shared.Next(1, 0x10000):x}";

    private string Kernel6 => _prefix + "::1";
    private string Stack6 => _prefix + "::2";
    private string[] Link => ["--tap", "tap0", "--ip", "198.18.0.2/24", "--ip", _prefix + "::2/64"];

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await StackCliTests.AddTap(_ns);
        // nodad: the kernel's address is usable at once (the stack still runs DAD on its own).
        var added = await _ns.Exec("ip", "addr", "add", Kernel6 + "/64", "dev", "tap0", "nodad");
        Assert.True(added.ExitCode == 0, added.Stderr);
        _site = Directory.CreateTempSubdirectory($"tcpcli-site6-{Environment.ProcessId}-").FullName;
        _file = new byte[300 * 1024];
        new Random(6).NextBytes(_file);
        await File.WriteAllBytesAsync(Path.Combine(_site, "v6.bin"), _file);
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        Directory.Delete(_site, true);
    }

    [CliNamespaceFact]
    public async Task PingAndCurl_OverIPv6_ThroughTheStack_ReachTheKernel()
    {
        var ping = await _ns.Cli(["ping", "-c", "3", "-i", "0.2", Kernel6, .. Link]);
        Assert.True(ping.ExitCode == 0, ping.Stderr + ping.StdoutText);
        Assert.Contains($"from {Kernel6}", ping.StdoutText);
        Assert.Contains("3 packets transmitted, 3 received, 0% packet loss", ping.StdoutText);

        await _ns.StartBackground("Serving HTTP", "python3", "-u", "-m", "http.server", "8080", "--bind", "::", "--directory", _site);
        var curl = await _ns.Cli(["curl", "--max-time", "30", $"http://[{Kernel6}]:8080/v6.bin", .. Link]);
        Assert.True(curl.ExitCode == 0, curl.Stderr);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(_file)), Convert.ToHexString(SHA256.HashData(curl.Stdout)));
    }

    [CliNamespaceFact]
    public async Task Ping6_WithPcap_CaptureHoldsEchoRequestAndReply_WithTheirAddresses_AndTheMldReport()
    {
        string pcap = Path.Combine(_site, "ping6.pcap");
        const string mac = "02:00:5e:00:53:06"; // to tell the stack's frames from the kernel's (it sends MLD reports too)
        var ping = await _ns.Cli(["ping", "-c", "1", "--pcap", pcap, "--mac", mac, Kernel6, .. Link]);
        Assert.True(ping.ExitCode == 0, ping.Stderr + ping.StdoutText);

        // Echo request (128) from the stack to the kernel and the reply (129) back, checksums good (status 1), the reply
        // carrying the request's identifier and sequence number (RFC 4443 §4.2).
        var echo = await Tshark(pcap, "icmpv6.type == 128 || icmpv6.type == 129",
            "ipv6.src", "ipv6.dst", "icmpv6.type", "icmpv6.checksum.status", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number");
        Assert.Equal(2, echo.Length);
        Assert.StartsWith($"{Stack6},{Kernel6},128,1,", echo[0]);
        Assert.StartsWith($"{Kernel6},{Stack6},129,1,", echo[1]);
        Assert.Equal(echo[0].Split(',')[4..], echo[1].Split(',')[4..]);
        Assert.Equal("1", echo[0].Split(',')[5]); // the sequence number ping printed as icmp_seq=1, as iputils sends it
        Assert.Contains("icmp_seq=1 ", ping.StdoutText);
        // The stack joined its two solicited-node groups (RFC 3810 §5.2) before its first DAD probe, from :: (RFC 3590 §4):
        // to ff02::16, hop limit 1, Router Alert (value 0: MLD).
        var mld = await Tshark(pcap, $"icmpv6.type == 143 && eth.src == {mac}",
            "ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.opt.router_alert", "icmpv6.mldr.nb_mcast_records", "icmpv6.checksum.status");
        Assert.Equal("::,ff02::16,1,0,2,1", mld[0]);
    }

    /// <summary>The fields of the capture's packets that match <paramref name="filter"/>, one comma-separated line each.</summary>
    private static async Task<string[]> Tshark(string pcap, string filter, params string[] fields)
    {
        var read = await CliNamespace.Run("tshark", ["-r", pcap, "-Y", filter, "-T", "fields", "-E", "separator=,", .. fields.SelectMany(f => new[] { "-e", f })]);
        Assert.True(read.ExitCode == 0, read.Stderr);
        return read.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [CliNamespaceFact]
    public async Task Socks_OnTheStacksIPv6_CarriesSystemCurl_ToTheIPv6Literal_AndToANameWithOnlyAaaa()
    {
        // The kernel's web server logs each client's address: the stack's IPv6 address proves the path.
        string log = Path.Combine(_site, "http.log");
        await _ns.StartBackground("Serving HTTP", "sh", "-c", $"exec python3 -u -m http.server 8080 --bind :: --directory {_site} 2>{log}");
        // A DNS server on the kernel's IPv6 address that knows web6.test by its AAAA record only.
        string dnsmasq = string.Join(' ',
            "exec /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --except-interface=lo",
            $"--listen-address={Kernel6} --host-record=web6.test,{Kernel6} --user=root --pid-file={_site}/dnsmasq.pid --log-facility=-");
        await _ns.StartBackground("ready", "sh", "-c", $"({dnsmasq}) & until ss -Hlun 'sport = :53' | grep -q .; do sleep 0.1; done; echo ready; wait");
        await _ns.StartCli("socks:", ["socks", "--quiet", "--listen", "127.0.0.1:1080", "--dns", Kernel6, .. Link]);
        string sha = Convert.ToHexString(SHA256.HashData(_file));

        // --socks5 with an IPv6 literal: curl sends address type 4 (RFC 1928 §5).
        var literal = await _ns.Exec("curl", "-sS", "--fail", "--max-time", "30", "--socks5", "127.0.0.1:1080", "-o", "-", $"http://[{Kernel6}]:8080/v6.bin");
        Assert.True(literal.ExitCode == 0, literal.Stderr);
        Assert.Equal(sha, Convert.ToHexString(SHA256.HashData(literal.Stdout)));
        // --socks5-hostname: address type 3, the name resolved by the stack's resolver (AAAA from dnsmasq over IPv6).
        var named = await _ns.Exec("curl", "-sS", "--fail", "--max-time", "30", "--socks5-hostname", "127.0.0.1:1080", "-o", "-", "http://web6.test:8080/v6.bin");
        Assert.True(named.ExitCode == 0, named.Stderr);
        Assert.Equal(sha, Convert.ToHexString(SHA256.HashData(named.Stdout)));

        var requests = (await File.ReadAllLinesAsync(log)).Where(l => l.Contains("\"GET /v6.bin HTTP/1.1\" 200", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r => Assert.StartsWith($"{Stack6} - - [", r));
    }
}
