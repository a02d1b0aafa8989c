using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Network;

/// <summary>Builds the network for validated link options (tests substitute their own).</summary>
internal interface INetworkFactory
{
    /// <summary>Creates and starts the network; <paramref name="trace"/> receives the stack's trace lines (with -v, or for the demo).</summary>
    ValueTask<INetwork> CreateAsync(LinkOptions options, TextWriter? trace, CancellationToken cancellationToken);
}
