using System.Diagnostics;
using System.Text;

namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// A private network namespace for CLI tests (named per run, 198.18.5.1/24 on its loopback, deleted
/// on dispose), with helpers to run programs and the teeceepee CLI inside it.
/// </summary>
internal sealed class CliNamespace : IAsyncDisposable
{
    private static int s_counter;
    private readonly List<Process> _background = [];

    private CliNamespace(string name) => Name = name;

    /// <summary>The namespace's name.</summary>
    public string Name { get; }

    /// <summary>The address every server in the namespace is reached on.</summary>
    public const string Address = "198.18.5.1";

    /// <summary>True when the tests can create namespaces (root and iproute2).</summary>
    public static bool Available => Environment.IsPrivilegedProcess && (File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip"));

    /// <summary>dotnet, to run the CLI's assembly.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";

    /// <summary>The CLI assembly copied beside the tests.</summary>
    public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "Teeceepee.Cli.dll");

    public static async Task<CliNamespace> CreateAsync()
    {
        var ns = new CliNamespace($"tcpcli-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        await RunChecked("ip", "netns", "add", ns.Name);
        try
        {
            await RunChecked("ip", "-n", ns.Name, "link", "set", "lo", "up");
            await RunChecked("ip", "-n", ns.Name, "addr", "add", Address + "/24", "dev", "lo");
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
        return ns;
    }

    /// <summary>Runs a program inside the namespace and waits for it.</summary>
    public Task<ProcessResult> Exec(params string[] command) => Run("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Runs the teeceepee CLI inside the namespace.</summary>
    public Task<ProcessResult> Cli(params string[] args) => Exec([Dotnet, CliAssembly, .. args]);

    /// <summary>Starts the CLI in the background and waits until its first stdout line starts with <paramref name="ready"/>.</summary>
    public async Task<Process> StartCli(string ready, params string[] args) =>
        await StartBackground(ready, [Dotnet, CliAssembly, .. args]);

    /// <summary>Starts a program in the background and waits for a stdout line starting with <paramref name="ready"/>.</summary>
    public async Task<Process> StartBackground(string ready, params string[] command)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", Name, .. command])
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        _background.Add(process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
                throw new InvalidOperationException($"{string.Join(' ', command)} exited before it was ready: {await process.StandardError.ReadToEndAsync()}");
            if (line.StartsWith(ready, StringComparison.Ordinal))
                break;
        }
        // Keep draining stdout so a chatty server never blocks on a full pipe.
        _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _background)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
        await Run("ip", "netns", "delete", Name);
    }

    /// <summary>True when a namespace of that name exists.</summary>
    public static async Task<bool> Exists(string name) =>
        (await Run("ip", "netns", "list")).StdoutText.Split('\n').Any(l => l.Split(' ')[0] == name);

    public static async Task<ProcessResult> Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 60 s");
        }
        await copy;
        return new ProcessResult(process.ExitCode, stdout.ToArray(), await stderr);
    }

    private static async Task RunChecked(string file, params string[] args)
    {
        var result = await Run(file, args);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result.Stderr}");
    }
}

/// <summary>Exit code and output of a finished process.</summary>
internal sealed record ProcessResult(int ExitCode, byte[] Stdout, string Stderr)
{
    public string StdoutText => Encoding.UTF8.GetString(Stdout);
}
