using Teeceepee.Cli;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;

namespace Teeceepee.Tests.Cli.Fakes;

/// <summary>
/// Records the validated link options and hands out <see cref="Network"/>, or, when no network is
/// set, stops the command with exit code <see cref="Reached"/> right after validation.
/// </summary>
internal sealed class RecordingNetworkFactory : INetworkFactory
{
    /// <summary>Exit code meaning "validation passed and the network was requested".</summary>
    public const int Reached = 99;

    public LinkOptions? Options { get; private set; }

    public INetwork? Network { get; init; }

    public ValueTask<INetwork> CreateAsync(LinkOptions options, TextWriter? trace, CancellationToken cancellationToken)
    {
        Options = options;
        return Network is not null ? ValueTask.FromResult(Network) : throw new CliException(Reached, "network requested");
    }
}
