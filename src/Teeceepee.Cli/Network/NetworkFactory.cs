using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Network;

/// <summary>The real factory: the kernel for <c>--kernel</c>, otherwise the userspace stack.</summary>
internal sealed class NetworkFactory : INetworkFactory
{
    /// <summary>The shared instance.</summary>
    public static NetworkFactory Instance { get; } = new();

    public ValueTask<INetwork> CreateAsync(LinkOptions options, TextWriter? trace, CancellationToken cancellationToken) => options.Kind switch
    {
        LinkKind.Kernel => ValueTask.FromResult<INetwork>(new KernelNetwork()),
        LinkKind.Tap or LinkKind.Tun or LinkKind.Raw => TeeceepeeNetwork.CreateAsync(options, trace, cancellationToken),
        _ => throw CliException.Usage("no link given: use --tap NAME, --tun NAME or --raw IFACE with --ip ADDR/PREFIX"),
    };
}
