using System.Security.Cryptography;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// IPv6 over the userspace stack end to end: the CLI on tap0 holds 198.18.0.2/24 and fd00:0:0:N::2/64 (N random
/// per run, inside fd00::/48); the kernel side of the TAP holds 198.18.0.1/24 and fd00:0:0:N::1/64.
/// </summary>
public sealed class Ipv6CliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;
    private string _site = null!;
    private byte[] _file = null!;
    private readonly string _prefix = $"fd00:0:0:{Random.Shared.Next(1, 0x10000):x}";

    private string Kernel6 => _prefix + "::1";
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
}
