using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli;

/// <summary>Where a command's output goes and what it runs on; tests pass their own.</summary>
internal sealed class CliContext
{
    /// <summary>Text output (ping lines, banners).</summary>
    public required TextWriter Out { get; init; }

    /// <summary>Binary output (curl bodies); the same destination as <see cref="Out"/>.</summary>
    public required Stream OutStream { get; init; }

    /// <summary>Errors and traces.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>True when standard output is a terminal (curl then shows no progress meter for the body it prints).</summary>
    public bool OutputIsTerminal { get; init; } = true;

    /// <summary>Machine checks for link validation.</summary>
    public ISystemProbe Probe { get; init; } = SystemProbe.Instance;

    /// <summary>Builds the network from link options.</summary>
    public INetworkFactory Networks { get; init; } = NetworkFactory.Instance;

    /// <summary>The console.</summary>
    public static CliContext CreateConsole() => new()
    {
        Out = Console.Out,
        OutStream = Console.OpenStandardOutput(),
        Error = Console.Error,
        OutputIsTerminal = !Console.IsOutputRedirected,
    };
}
