namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// The CLI on the userspace stack: the CLI runs inside a namespace that holds a TAP device whose
/// kernel side is 198.18.0.1/24; the stack attaches to it as 198.18.0.2/24.
/// </summary>
public sealed class StackCliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;

    /// <summary>The namespace with tap0 (198.18.0.1/24 on the kernel side).</summary>
    internal CliNamespace Namespace => _ns;

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await AddTap(_ns);
    }

    /// <summary>Creates tap0 in <paramref name="ns"/> with 198.18.0.1/24 on the kernel side.</summary>
    internal static async Task AddTap(CliNamespace ns)
    {
        foreach (var command in new[]
        {
            new[] { "ip", "tuntap", "add", "dev", "tap0", "mode", "tap" },
            ["ip", "addr", "add", "198.18.0.1/24", "dev", "tap0"],
            ["ip", "link", "set", "tap0", "up"],
        })
        {
            var result = await ns.Exec(command);
            Assert.True(result.ExitCode == 0, result.Stderr);
        }
    }

    public Task DisposeAsync() => _ns.DisposeAsync().AsTask();

    [CliNamespaceFact]
    public async Task Ping_ThroughTheStack_GetsKernelReplies()
    {
        var result = await _ns.Cli("ping", "--tap", "tap0", "--ip", "198.18.0.2/24", "-c", "3", "-i", "0.2", "198.18.0.1");
        Assert.True(result.ExitCode == 0, result.Stderr + result.StdoutText);
        Assert.StartsWith("PING 198.18.0.1 (198.18.0.1) 56(84) bytes of data.\n64 bytes from 198.18.0.1: icmp_seq=1 ttl=64 time=", result.StdoutText);
        Assert.Contains("3 packets transmitted, 3 received, 0% packet loss", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task Ping_LargePayload_IsFragmentedAndReassembled()
    {
        var result = await _ns.Cli("ping", "--tap", "tap0", "--ip", "198.18.0.2/24", "-c", "1", "-s", "4000", "198.18.0.1");
        Assert.True(result.ExitCode == 0, result.Stderr + result.StdoutText);
        Assert.Contains("4008 bytes from 198.18.0.1: icmp_seq=1 ttl=64", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task Ping_WithPcap_WritesACapture()
    {
        string pcap = Path.Combine(Path.GetTempPath(), $"tcpcli-{Environment.ProcessId}-{Guid.NewGuid():N}.pcap");
        try
        {
            var result = await _ns.Cli("ping", "--tap", "tap0", "--ip", "198.18.0.2/24", "--pcap", pcap, "-c", "1", "198.18.0.1");
            Assert.True(result.ExitCode == 0, result.Stderr);
            var bytes = await File.ReadAllBytesAsync(pcap);
            // pcap magic (little-endian 0xa1b2c3d4), then at least ARP request/reply and echo request/reply.
            Assert.Equal(new byte[] { 0xd4, 0xc3, 0xb2, 0xa1 }, bytes[..4]);
            Assert.True(bytes.Length > 24 + 4 * 16 + 2 * 98, $"capture has only {bytes.Length} bytes");
        }
        finally
        {
            File.Delete(pcap);
        }
    }

    [CliNamespaceFact]
    public async Task Ping_FullLoss_Exits1()
    {
        var result = await _ns.Cli("ping", "--tap", "tap0", "--ip", "198.18.0.2/24", "--loss", "100%", "-c", "2", "-i", "0.2", "-W", "0.5", "198.18.0.1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("2 packets transmitted, 0 received, 100% packet loss", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task RawOnMissingInterface_IsAUsageError()
    {
        var result = await _ns.Cli("ping", "--raw", "nosuch0", "--ip", "198.18.0.2/24", "198.18.0.1");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("teeceepee ping: no such interface: nosuch0\n", result.Stderr);
    }
}
