using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>The demo end to end: it sets up, fetches (or reports what is missing), and leaves nothing behind.</summary>
public sealed partial class DemoTests
{
    private const int SignalInterrupt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

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
        // Both families: ping and fetch over IPv4, then over IPv6 (the kernel end has an fd00:: address too).
        Assert.Equal(2, Regex.Count(output, "3 packets transmitted, 3 received, 0% packet loss"));
        Assert.Equal(2, Regex.Count(output, "HTTP/1.1 200 OK"));
        Assert.Matches(@"demo: GET http://\[fd[0-9a-f:]+::1\]/ through the stack \(IPv6\)", output);
        Assert.Contains("<h1>Hello through teeceepee</h1>", output);
        // The trace shows the handshakes (SYN, SYN-ACK) and the teardowns (FINs) on the TAP, of both families.
        Assert.Contains("198.18.0.1.80: Flags [S],", output);
        Assert.Matches(@"IP6 fd[0-9a-f:]+::2\.\d+ > fd[0-9a-f:]+::1\.80: Flags \[S\],", output);
        Assert.Contains("Flags [S.],", output);
        Assert.Contains("Flags [F.]", output);
        await AssertCleanedUp(output);
    }

    [CliNamespaceFact]
    public async Task Demo_CtrlC_CleansUp()
    {
        // Through `env --default-signal=INT` (it execs, keeping the pid): a test host started as a background job
        // inherits SIGINT ignored, the demo would inherit that too, and .NET installs no handler for an ignored SIGINT.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add(CliNamespace.Dotnet);
        start.ArgumentList.Add(CliNamespace.CliAssembly);
        start.ArgumentList.Add("demo");
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            // The message reads stderr to its end (until the demo exits): only when it is needed, never on a good line.
            if (line is null)
            {
                Assert.Fail($"the demo ended before its web server ran:\n{output}\n{await process.StandardError.ReadToEndAsync(timeout.Token)}");
                return;
            }
            output.AppendLine(line);
            if (line.StartsWith("demo: kernel web server", StringComparison.Ordinal))
                break;
        }
        // SIGINT as from Ctrl+C, while the demo is pinging: sent at once (a kill(1) process took seconds to start on a
        // loaded machine, and the demo had finished by then).
        Assert.True(SendSignal(process.Id, SignalInterrupt) == 0, $"kill({process.Id}, SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        output.Append(await process.StandardOutput.ReadToEndAsync(timeout.Token));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 130, $"exit code {process.ExitCode}, expected 130 (interrupted):\n{output}\n{await stderr}");
        await AssertCleanedUp(output.ToString());
    }
}
