namespace Teeceepee.Cli;

/// <summary>A failure that ends a command with one sentence on stderr and the given exit code.</summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, Exception? inner = null) : base(message, inner) => ExitCode = exitCode;

    public CliException() : this(ExitCodes.Failure, "failed") { }

    public CliException(string message) : this(ExitCodes.Failure, message) { }

    public CliException(string message, Exception inner) : this(ExitCodes.Failure, message, inner) { }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }

    /// <summary>A usage error (exit code 2).</summary>
    public static CliException Usage(string message) => new(ExitCodes.Usage, message);
}
