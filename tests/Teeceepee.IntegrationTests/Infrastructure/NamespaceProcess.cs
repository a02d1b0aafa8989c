using System.Diagnostics;
using System.Text;

namespace Teeceepee.IntegrationTests.Infrastructure;

/// <summary>
/// A long-running command inside a test namespace (a server, tcpdump, ...). Its output is collected;
/// disposing (or disposing the <see cref="TestNetwork"/>) kills it and its children.
/// </summary>
public sealed class NamespaceProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();
    private bool _disposed;

    internal NamespaceProcess(string command, ProcessStartInfo info)
    {
        Command = command;
        Process = new Process { StartInfo = info, EnableRaisingEvents = true };
        Process.OutputDataReceived += (_, e) => Append(e.Data, _stdout);
        Process.ErrorDataReceived += (_, e) => Append(e.Data, _stderr);
        Process.Start();
        Id = Process.Id;
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    /// <summary>The command line as given.</summary>
    public string Command { get; }

    /// <summary>The underlying process (the shell running the command).</summary>
    public Process Process { get; }

    /// <summary>The process id (of the shell running the command).</summary>
    public int Id { get; }

    /// <summary>True while the process runs (false once disposed).</summary>
    public bool IsRunning => !_disposed && !Process.HasExited;

    /// <summary>Everything written to stdout and stderr so far, line by line.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
                return _output.ToString();
        }
    }

    /// <summary>What the process wrote to stdout so far.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_gate)
                return _stdout.ToString();
        }
    }

    /// <summary>What the process wrote to stderr so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_gate)
                return _stderr.ToString();
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; throws <see cref="TimeoutException"/> with the output so far.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"'{Command}' did not print '{text}' within {timeout}. Output:\n{Output}");
            if (Process.HasExited && !Output.Contains(text, StringComparison.Ordinal))
            {
                await Task.Delay(50).ConfigureAwait(false); // let the last lines arrive
                if (!Output.Contains(text, StringComparison.Ordinal))
                    throw new InvalidOperationException($"'{Command}' exited with {Process.ExitCode} before printing '{text}'. Output:\n{Output}");
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the process to exit; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"'{Command}' did not exit within {timeout}. Output:\n{Output}");
        }
        return Process.ExitCode;
    }

    /// <summary>Kills the process tree (idempotent).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        Process.Dispose();
    }

    private void Append(string? line, StringBuilder stream)
    {
        if (line is null)
            return;
        lock (_gate)
        {
            _output.AppendLine(line);
            stream.AppendLine(line);
        }
    }
}
