using System.Runtime.Versioning;
using System.Security.Cryptography;
using Teeceepee.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// The real <c>teeceepee</c> command on a TAP device against the Linux kernel (issue 4 item 9):
/// kernel curl fetches from <c>teeceepee serve</c> (0 B, 1 B, 1 MiB, 100 MiB, 100 clients at once),
/// <c>teeceepee curl</c> fetches from python's http.server and nginx, every body compared by SHA-256,
/// on a clean link and with the CLI's fault options (2 % loss, 2 % reorder, 1 % dup, 0.5 % corrupt).
/// </summary>
[SupportedOSPlatform("linux")]
public class CliKernelTests(ITestOutputHelper output)
{
    private const int MiB = 1024 * 1024;

    public static TheoryData<int, bool> ServeCases => new()
    {
        { 0, false }, { 1, false }, { MiB, false }, { 100 * MiB, false },
        { 0, true }, { 1, true }, { MiB, true }, { 20 * MiB, true },
    };

    [NetworkTheory]
    [MemberData(nameof(ServeCases))]
    public async Task Serve_KernelCurlFetches_ByteExact(int size, bool faults)
    {
        await using var ns = await CliTapNamespace.CreateAsync();
        using var dir = new ScratchDirectory();
        var body = dir.Write("f", size, size);
        await ns.Start(CliTapNamespace.Cli($"serve {dir.Path} --port 80 --quiet {CliTapNamespace.Link(faults)}"), "serving");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await ns.Exec("curl -sS --fail -m 240 http://198.18.0.2/f | sha256sum", 260);
        output.WriteLine($"serve -> kernel curl {size} B, faults {faults}: {size / 1e6 / watch.Elapsed.TotalSeconds:F1} MB/s");
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(body)), result.StandardOutput, StringComparison.Ordinal);
    }

    [NetworkTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_HundredConcurrentKernelCurls_AllByteExact(bool faults)
    {
        await using var ns = await CliTapNamespace.CreateAsync();
        using var dir = new ScratchDirectory();
        var body = dir.Write("f", 300_000, 3);
        await ns.Start(CliTapNamespace.Cli($"serve {dir.Path} --port 80 --quiet {CliTapNamespace.Link(faults)}"), "serving");

        var result = await ns.Exec("seq 100 | xargs -P 100 -I{} sh -c 'curl -sS --fail -m 120 http://198.18.0.2/f | sha256sum'", 180);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100, lines.Length);
        string expected = Convert.ToHexStringLower(SHA256.HashData(body));
        Assert.All(lines, line => Assert.StartsWith(expected, line, StringComparison.Ordinal));
    }

    public static TheoryData<string, int, bool> CurlCases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var server in new[] { "python", "nginx" })
        {
            foreach (bool faults in new[] { false, true })
            {
                foreach (int size in new[] { 0, 1, MiB, 100 * MiB })
                    data.Add(server, size, faults);
            }
        }
        return data;
    }

    [NetworkTheory]
    [MemberData(nameof(CurlCases))]
    public async Task Curl_FetchesFromKernelServer_ByteExact(string server, int size, bool faults)
    {
        await using var ns = await CliTapNamespace.CreateAsync();
        using var dir = new ScratchDirectory();
        var body = dir.Write("www/f", size, size + 5);
        int port = server == "python" ? 8082 : 8081;
        if (server == "python")
        {
            await ns.Start($"/usr/bin/python3 -u -m http.server 8082 --bind 198.18.0.1 --directory {dir.Path}/www", "Serving");
        }
        else
        {
            string conf = dir.NginxConf($"{dir.Path}/www", 8081);
            ns.StartBackground($"nginx -c {conf} -p {dir.Path}/nginx");
            await ns.WaitForKernelListener(8081);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await ns.Exec(CliTapNamespace.Cli($"curl -s http://198.18.0.1:{port}/f -o {dir.Path}/got {CliTapNamespace.Link(faults)}"), 300, check: false);
        output.WriteLine($"{server} -> teeceepee curl {size} B, faults {faults}: {size / 1e6 / watch.Elapsed.TotalSeconds:F1} MB/s (incl. CLI start)");
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(File.ReadAllBytes($"{dir.Path}/got")));
    }

    [NetworkFact]
    public async Task Curl_ToClosedKernelPort_Exits7_ConnectionRefused()
    {
        await using var ns = await CliTapNamespace.CreateAsync();
        var result = await ns.Exec(CliTapNamespace.Cli($"curl -sS http://198.18.0.1:9/ {CliTapNamespace.Link(false)}"), 60, check: false);
        Assert.Equal(7, result.ExitCode);
        Assert.Contains("refused", result.StandardError, StringComparison.OrdinalIgnoreCase);
    }
}
