using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>The demo end to end: it sets up, fetches (or reports what is missing), and leaves nothing behind.</summary>
public sealed partial class DemoTests
{
    [GeneratedRegex(@"demo: namespace (tcpdemo-\d+-[0-9a-f]{4}), TAP (tcpd\w+):")]
    private static partial Regex Banner();

    private static async Task AssertCleanedUp(string output)
    {
        var match = Banner().Match(output);
        Assert.True(match.Success, output);
        Assert.False(await CliNamespace.Exists(match.Groups[1].Value), $"namespace {match.Groups[1].Value} was left behind");
        var links = await CliNamespace.Run("ip", "-o", "link", "show");
        Assert.DoesNotContain(match.Groups[2].Value + ":", links.StdoutText);
        Assert.Contains("demo: cleaned up", output);
    }

    [CliNamespaceFact]
    public async Task Demo_PingsAndFetchesThroughTheStack_ThenCleansUp()
    {
        var result = await CliNamespace.Run(CliNamespace.Dotnet, CliNamespace.CliAssembly, "demo");
        string output = result.StdoutText;
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("3 packets transmitted, 3 received, 0% packet loss", output);
        Assert.Contains("HTTP/1.1 200 OK", output);
        Assert.Contains("<h1>Hello through teeceepee</h1>", output);
        // The trace shows the handshake (SYN, SYN-ACK) and the teardown (FINs) on the TAP.
        Assert.Contains("198.18.0.1.80: Flags [S],", output);
        Assert.Contains("Flags [S.],", output);
        Assert.Contains("Flags [F.]", output);
        await AssertCleanedUp(output);
    }

    [CliNamespaceFact]
    public async Task Demo_CtrlC_CleansUp()
    {
        var start = new ProcessStartInfo(CliNamespace.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliNamespace.CliAssembly);
        start.ArgumentList.Add("demo");
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.True(line is not null, $"the demo ended before its web server ran:\n{output}\n{await process.StandardError.ReadToEndAsync(timeout.Token)}");
            output.AppendLine(line);
            if (line.StartsWith("demo: kernel web server", StringComparison.Ordinal))
                break;
        }
        // SIGINT as from Ctrl+C, while the demo is pinging.
        var kill = await CliNamespace.Run("kill", "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(kill.ExitCode == 0, kill.Stderr);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        output.Append(await process.StandardOutput.ReadToEndAsync(timeout.Token));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode}, expected 130 (interrupted):\n{output}\n{await stderr}");
        await AssertCleanedUp(output.ToString());
    }
}
