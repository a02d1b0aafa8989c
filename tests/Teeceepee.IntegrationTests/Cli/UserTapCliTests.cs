using System.Runtime.Versioning;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// A persistent TAP device owned by an unprivileged user (<c>ip tuntap add ... user 65534</c>) opens
/// without root: the CLI run as that user (setpriv) pings and fetches through it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class UserTapCliTests : IAsyncLifetime
{
    private const string Uid = "65534";
    private CliNamespace _ns = null!;
    private string _site = null!;

    public async Task InitializeAsync()
    {
        _ns = await CliNamespace.CreateAsync();
        foreach (var command in new[]
        {
            new[] { "ip", "tuntap", "add", "dev", "tap0", "mode", "tap", "user", Uid },
            ["ip", "addr", "add", "198.18.0.1/24", "dev", "tap0"],
            ["ip", "link", "set", "tap0", "up"],
        })
        {
            var result = await _ns.Exec(command);
            Assert.True(result.ExitCode == 0, result.Stderr);
        }
        _site = Directory.CreateTempSubdirectory($"tcpcli-user-{Environment.ProcessId}-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_site, "hello.txt"), "hello from the kernel\n");
        // The unprivileged user must be able to read the site through the temp directory.
        File.SetUnixFileMode(_site, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public async Task DisposeAsync()
    {
        await _ns.DisposeAsync();
        Directory.Delete(_site, true);
    }

    // The CLI as uid/gid 65534 without capabilities. Distributions make /dev/net/tun 0666; where it is 0600 (as in
    // some containers), a private mount namespace binds a 0666 node of the same device over it for this run only.
    private Task<ProcessResult> CliAsUser(params string[] args)
    {
        string node = Path.Combine(_site, $"tun-{Guid.NewGuid():N}");
        string command = $"mknod {node} c 10 200 && chmod 666 {node} && mount --bind {node} /dev/net/tun && exec ip netns exec {_ns.Name} "
            + $"setpriv --reuid {Uid} --regid {Uid} --clear-groups env HOME=/tmp DOTNET_CLI_TELEMETRY_OPTOUT=1 {CliNamespace.Dotnet} {CliNamespace.CliAssembly} {string.Join(' ', args)}";
        return CliNamespace.Run("unshare", "--mount", "--propagation", "private", "sh", "-c", command);
    }

    [CliNamespaceFact]
    public async Task UserOwnedTap_CliWithoutRoot_Pings()
    {
        var result = await CliAsUser("ping", "--tap", "tap0", "--ip", "198.18.0.2/24", "-c", "2", "-i", "0.2", "198.18.0.1");
        Assert.True(result.ExitCode == 0, result.Stderr + result.StdoutText);
        Assert.Contains("2 packets transmitted, 2 received, 0% packet loss", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task UserOwnedTap_CliWithoutRoot_Curls()
    {
        await _ns.StartBackground("ready", "python3", "-u", "-c",
            "import http.server,functools\n" +
            $"h=functools.partial(http.server.SimpleHTTPRequestHandler, directory='{_site}')\n" +
            "s=http.server.ThreadingHTTPServer(('198.18.0.1', 8000), h)\nprint('ready', flush=True)\ns.serve_forever()");
        var result = await CliAsUser("curl", "-sS", "--max-time", "20", "--tap", "tap0", "--ip", "198.18.0.2/24", "http://198.18.0.1:8000/hello.txt");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("hello from the kernel\n", result.StdoutText);
    }

    [CliNamespaceFact]
    public async Task TapOwnedByAnotherUser_CliWithoutRoot_ExplainsThePermission()
    {
        var other = await _ns.Exec("ip", "tuntap", "add", "dev", "tap1", "mode", "tap", "user", "0");
        Assert.True(other.ExitCode == 0, other.Stderr);
        var result = await CliAsUser("ping", "--tap", "tap1", "--ip", "198.18.1.2/24", "-c", "1", "198.18.1.1");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("teeceepee ping: opening TAP device tap1 was refused (permission denied)", result.Stderr);
    }
}
