using System.Diagnostics;

namespace Teeceepee.Cli.Demo;

/// <summary>Runs helper programs (iproute2) and reports failures as one sentence.</summary>
internal static class ProcessRunner
{
    /// <summary>Runs <paramref name="file"/> and returns its stdout; throws <see cref="CliException"/> when it fails.</summary>
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new CliException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string output = await stdout.ConfigureAwait(false);
        string error = (await stderr.ConfigureAwait(false)).Trim();
        if (process.ExitCode != 0)
            throw new CliException($"'{file} {string.Join(' ', arguments)}' failed: {(error.Length > 0 ? error : $"exit code {process.ExitCode}")}");
        return output;
    }

    /// <summary>Finds an executable on PATH (and the sbin directories, which a non-login root shell may lack).</summary>
    public static string? FindExecutable(string name)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        foreach (var directory in directories)
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The command line that starts this CLI again (apphost, or dotnet plus the assembly).</summary>
    public static string[] SelfCommand()
    {
        string? process = Environment.ProcessPath;
        string assembly = typeof(ProcessRunner).Assembly.Location;
        if (process is null || Path.GetFileNameWithoutExtension(process) == "dotnet")
            return [process ?? "dotnet", assembly];
        return [process];
    }
}
