using System.Net;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Network;

/// <summary>
/// The userspace stack as an <see cref="INetwork"/>: link (TapLink / TunLink / RawSocketLink),
/// middleware (FaultInjector, PcapWriter, Tracer) and a started NetworkStack.
/// </summary>
/// <remarks>
/// This is the only place where the CLI touches the stack. Until the Stack and Links layers are
/// merged it reports that the stack is missing; commands are written against <see cref="INetwork"/>
/// and do not change when it is filled in.
/// </remarks>
internal sealed class TeeceepeeNetwork : INetwork
{
    private TeeceepeeNetwork(string description) => Description = description;

    public string Description { get; }

    /// <summary>Opens the link, wraps it in the requested middleware, starts the stack.</summary>
    public static ValueTask<INetwork> CreateAsync(LinkOptions options, TextWriter? trace, CancellationToken cancellationToken)
    {
        _ = options;
        _ = trace;
        _ = cancellationToken;
        throw new CliException("the userspace stack is not part of this build yet (NetworkStack and the TAP/TUN/raw links land with the Stack and Links layers)");
    }

    public ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<IConnectionListener> ListenAsync(IPEndPoint local, int backlog, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<EchoResult> PingAsync(IPAddress destination, ushort sequence, int payloadSize, TimeSpan timeout, CancellationToken cancellationToken) => throw new NotSupportedException();

    public ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (ValueParsers.TryParseIPv4(host, out var literal))
            return ValueTask.FromResult(literal);
        throw new NameResolutionException("DNS is not supported yet");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
