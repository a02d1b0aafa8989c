using System.Globalization;
using System.Runtime.Versioning;
using Teeceepee.IntegrationTests.Infrastructure;

namespace Teeceepee.IntegrationTests.Tcp;

/// <summary>
/// The bench topology for the real <c>teeceepee</c> command: a fresh namespace with a persistent TAP
/// device (198.18.0.1/24 on the kernel side), where the CLI runs under <c>ip netns exec</c> with
/// <c>--tap DEV --ip 198.18.0.2/24</c> and kernel tools run beside it. Deleted on dispose.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class CliTapNamespace : IAsyncDisposable
{
    private static int s_counter;
    private readonly List<NamespaceProcess> _processes = [];

    private CliTapNamespace(string name) => Name = name;

    public string Name { get; }
    public const string Device = "tvtap0";

    /// <summary>The CLI's fault options for the standard faults (2 % loss, 2 % reorder, 1 % duplicate, 0.5 % corrupt).</summary>
    public const string StandardFaults = "--loss 2% --reorder 2% --duplicate 1% --corrupt 0.5% --seed 7";

    public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "Teeceepee.Cli.dll");

    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";

    public static async Task<CliTapNamespace> CreateAsync()
    {
        var ns = new CliTapNamespace(string.Create(CultureInfo.InvariantCulture, $"tvcli-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}"));
        try
        {
            await Host($"ip netns add {ns.Name}");
            await ns.Exec($"ip link set lo up && sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && ip tuntap add dev {Device} mode tap && ip addr add 198.18.0.1/24 dev {Device} && ip link set {Device} up");
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
        return ns;
    }

    /// <summary>Runs a shell command in the namespace; throws with its output unless it exits 0.</summary>
    public async Task<CommandResult> Exec(string command, int timeoutSeconds = 60, bool check = true)
    {
        using var process = new NamespaceProcess(command, TestNetwork.StartInfo(Name, command));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"'{command}' did not finish in {timeoutSeconds} s. Output:\n{process.Output}");
        }
        process.Process.WaitForExit();
        var result = new CommandResult(command, process.Process.ExitCode, process.StandardOutput, process.StandardError);
        return check ? result.EnsureSuccess() : result;
    }

    /// <summary>The CLI command line for <paramref name="args"/> on this namespace's TAP.</summary>
    public static string Cli(string args) => $"{Dotnet} {CliAssembly} {args}";

    /// <summary>The link options for the stack at 198.18.0.2 (plus the standard faults when asked).</summary>
    public static string Link(bool faults) => $"--tap {Device} --ip 198.18.0.2/24" + (faults ? " " + StandardFaults : "");

    /// <summary>Starts a long-running command in the namespace and waits until its output contains <paramref name="ready"/>.</summary>
    public async Task<NamespaceProcess> Start(string command, string ready, int timeoutSeconds = 30)
    {
        var process = new NamespaceProcess(command, TestNetwork.StartInfo(Name, command));
        _processes.Add(process);
        await process.WaitForOutputAsync(ready, TimeSpan.FromSeconds(timeoutSeconds));
        return process;
    }

    /// <summary>Starts a long-running command in the namespace without waiting for it (killed on dispose).</summary>
    public NamespaceProcess StartBackground(string command)
    {
        var process = new NamespaceProcess(command, TestNetwork.StartInfo(Name, command));
        _processes.Add(process);
        return process;
    }

    /// <summary>Waits until something listens on TCP <paramref name="port"/> at the kernel side.</summary>
    public async Task WaitForKernelListener(int port)
    {
        for (int i = 0; i < 200; i++)
        {
            var r = await Exec($"ss -Htln 'sport = :{port}'", check: false);
            if (r.StandardOutput.Contains("LISTEN", StringComparison.Ordinal))
                return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"nothing listens on {port}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
            p.Dispose();
        await Host($"ip netns del {Name}", check: false);
    }

    private static async Task Host(string command, bool check = true)
    {
        var info = new System.Diagnostics.ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        using var p = System.Diagnostics.Process.Start(info)!;
        string err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (check && p.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed: {err}");
    }
}
