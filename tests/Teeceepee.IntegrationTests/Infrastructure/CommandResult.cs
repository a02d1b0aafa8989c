namespace Teeceepee.IntegrationTests.Infrastructure;

/// <summary>How a command run by <see cref="TestNetwork"/> ended.</summary>
public sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>True for exit code 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws with the command's output unless it succeeded; returns this for chaining.</summary>
    public CommandResult EnsureSuccess() => Succeeded ? this
        : throw new InvalidOperationException($"'{Command}' exited with {ExitCode}.\nstdout: {StandardOutput}\nstderr: {StandardError}");
}
