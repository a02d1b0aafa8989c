using System.Diagnostics;
using System.Security.Cryptography;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// DNS and DHCP against dnsmasq: a private namespace holds tap0 (kernel side 198.18.0.1/24) with
/// dnsmasq bound to it as DHCP server (198.18.0.100-150) and DNS server (web.test = 198.18.0.1,
/// nowhere.test NXDOMAIN, other names refused), and python's http.server on 198.18.0.1:8000. The CLI runs on tap0 through the stack.
/// </summary>
public sealed class DnsDhcpCliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;
    private string _work = null!;
    private byte[] _file = null!;

    private string LeaseFile => Path.Combine(_work, "dnsmasq.leases");

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        _work = Directory.CreateTempSubdirectory($"tcpcli-dns-{Environment.ProcessId}-").FullName;
        try
        {
            await StackCliTests.AddTap(_ns);
            _file = RandomNumberGenerator.GetBytes(300_000);
            Directory.CreateDirectory(Path.Combine(_work, "site"));
            await File.WriteAllBytesAsync(Path.Combine(_work, "site", "file"), _file);
            await _ns.StartBackground("ready", "python3", "-u", "-c",
                "import http.server,functools\n" +
                $"h=functools.partial(http.server.SimpleHTTPRequestHandler, directory='{Path.Combine(_work, "site")}')\n" +
                "s=http.server.ThreadingHTTPServer(('198.18.0.1', 8000), h)\nprint('ready', flush=True)\ns.serve_forever()");
            // dnsmasq in the foreground under sh, so disposing the namespace's background processes ends it.
            string dnsmasq = string.Join(' ',
                "exec /usr/sbin/dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --interface=tap0",
                "--except-interface=lo --listen-address=198.18.0.1 --address=/web.test/198.18.0.1 --address=/nowhere.test/ --user=root",
                $"--pid-file={_work}/dnsmasq.pid --dhcp-leasefile={LeaseFile}",
                "--dhcp-range=198.18.0.100,198.18.0.150,255.255.255.0,2m --dhcp-authoritative --log-facility=- --log-dhcp");
            await _ns.StartBackground("ready", "sh", "-c", $"({dnsmasq}) & sleep 0.5; echo ready; wait");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        Directory.Delete(_work, true);
    }

    private static string Sha(byte[] data) => Convert.ToHexString(SHA256.HashData(data));

    [CliNamespaceFact]
    public async Task Curl_WithDns_FetchesByName()
    {
        string output = Path.Combine(_work, "out-dns");
        var result = await _ns.Cli("curl", "--tap", "tap0", "--ip", "198.18.0.2/24", "--dns", "198.18.0.1", "-sS", "-o", output, "http://web.test:8000/file");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Sha(_file), Sha(await File.ReadAllBytesAsync(output)));
    }

    [CliNamespaceFact]
    public async Task Curl_UnknownName_Exits6()
    {
        var result = await _ns.Cli("curl", "--tap", "tap0", "--ip", "198.18.0.2/24", "--dns", "198.18.0.1", "-sS", "http://nowhere.test:8000/file");
        Assert.Equal(6, result.ExitCode);
        Assert.True(result.Stderr.Contains("could not resolve host: nowhere.test (name does not exist (NXDOMAIN from 198.18.0.1))", StringComparison.Ordinal), result.Stderr);
    }

    [CliNamespaceFact]
    public async Task Ping_ByName_ThroughDns()
    {
        var result = await _ns.Cli("ping", "--tap", "tap0", "--ip", "198.18.0.2/24", "--dns", "198.18.0.1", "-c", "1", "web.test");
        Assert.True(result.ExitCode == 0, result.Stderr + result.StdoutText);
        Assert.StartsWith("PING web.test (198.18.0.1)", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task Curl_WithDhcp_GetsALease_AndFetchesByName()
    {
        string output = Path.Combine(_work, "out-dhcp");
        var result = await _ns.Cli("curl", "--tap", "tap0", "--dhcp", "--mac", "02:00:5e:00:53:07", "--trace-stack", "-sS", "-o", output, "http://web.test:8000/file");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(Sha(_file), Sha(await File.ReadAllBytesAsync(output)));
        // --trace-stack prints the lease; dnsmasq recorded it (expiry, MAC, address, ...).
        Assert.Matches(@"dhcp lease 198\.18\.0\.1[0-5]\d/24 router 198\.18\.0\.1 dns 198\.18\.0\.1 server 198\.18\.0\.1 lease 120s", result.Stderr);
        string leases = await File.ReadAllTextAsync(LeaseFile);
        Assert.Matches(@"^\d+ 02:00:5e:00:53:07 198\.18\.0\.1[0-5]\d ", leases);
    }

    [CliNamespaceFact]
    public async Task Dhcp_NoServer_FailsWithClearError()
    {
        // A second TAP with no DHCP server behind it.
        foreach (var command in new[] { new[] { "ip", "tuntap", "add", "dev", "tap1", "mode", "tap" }, ["ip", "link", "set", "tap1", "up"] })
            Assert.Equal(0, (await _ns.Exec(command)).ExitCode);
        var started = Stopwatch.StartNew();
        var result = await _ns.Cli("curl", "--tap", "tap1", "--dhcp", "-sS", "http://web.test:8000/file");
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Stderr.Contains("no DHCP offer within 10 s on tap1", StringComparison.Ordinal), result.Stderr);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(40));
    }
}
