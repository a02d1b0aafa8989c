using System.Security.Cryptography;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// <c>serve</c> on a stack with both families (198.18.0.2/24 and fd00:0:0:N::2/64, N random per run) listens on one
/// dual-stack Kestrel listener: the kernel's curl reaches it over IPv6 and over IPv4 in the same run.
/// </summary>
public sealed class ServeDualStackCliTests : IAsyncLifetime
{
    private CliNamespace _ns = null!;
    private string _site = null!;
    private byte[] _file = null!;
    private readonly string _prefix = $"fd00:0:0:{Random.Shared.Next(1, 0x10000):x}";

    private string Stack6 => _prefix + "::2";

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        await StackCliTests.AddTap(_ns);
        var added = await _ns.Exec("ip", "addr", "add", _prefix + "::1/64", "dev", "tap0", "nodad");
        Assert.True(added.ExitCode == 0, added.Stderr);
        _site = Directory.CreateTempSubdirectory($"tcpcli-dual-{Environment.ProcessId}-").FullName;
        _file = new byte[3 * 1024 * 1024 + 17];
        new Random(46).NextBytes(_file);
        await File.WriteAllBytesAsync(Path.Combine(_site, "dual.bin"), _file);
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        Directory.Delete(_site, true);
    }

    [CliNamespaceFact]
    public async Task Serve_WithBothFamilies_KernelCurl6AndCurl4InOneRun_GetTheFileByteExact()
    {
        await _ns.StartCli("serving", "serve", "--quiet", "--port", "8080", _site, "--tap", "tap0", "--ip", "198.18.0.2/24", "--ip", Stack6 + "/64");
        string expected = Convert.ToHexString(SHA256.HashData(_file));

        var v6 = await _ns.Exec("curl", "-6", "-sS", "--fail", "--max-time", "30", "-o", "-", $"http://[{Stack6}]:8080/dual.bin");
        Assert.True(v6.ExitCode == 0, v6.Stderr);
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(v6.Stdout)));

        var v4 = await _ns.Exec("curl", "-4", "-sS", "--fail", "--max-time", "30", "-o", "-", "http://198.18.0.2:8080/dual.bin");
        Assert.True(v4.ExitCode == 0, v4.Stderr);
        Assert.Equal(expected, Convert.ToHexString(SHA256.HashData(v4.Stdout)));

        // A range over IPv6 and a listing over IPv4 on the same listener.
        var range = await _ns.Exec("curl", "-6", "-sS", "--fail", "--max-time", "30", "-r", "1000-1999", "-o", "-", $"http://[{Stack6}]:8080/dual.bin");
        Assert.True(range.ExitCode == 0, range.Stderr);
        Assert.Equal(_file.AsSpan(1000, 1000).ToArray(), range.Stdout);
        var listing = await _ns.Exec("curl", "-4", "-sS", "--fail", "--max-time", "30", "http://198.18.0.2:8080/");
        Assert.True(listing.ExitCode == 0, listing.Stderr);
        Assert.Contains("dual.bin", listing.StdoutText);
    }
}
