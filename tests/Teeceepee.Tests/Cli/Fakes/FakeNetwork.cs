using System.Net;
using System.Net.Sockets;
using Teeceepee.Cli.Network;

namespace Teeceepee.Tests.Cli.Fakes;

/// <summary>An <see cref="INetwork"/> whose behaviour each test scripts.</summary>
internal sealed class FakeNetwork : INetwork
{
    /// <summary>Answers a connect; default: refused.</summary>
    public Func<IPEndPoint, CancellationToken, ValueTask<IConnection>> Connect { get; set; } =
        (_, _) => throw new SocketException((int)SocketError.ConnectionRefused);

    /// <summary>Answers a name; default: literals only, names fail like the stack without a DNS server.</summary>
    public Func<string, IPAddress> Resolve { get; set; } = host =>
        IPAddress.TryParse(host, out var a) ? a : throw new NameResolutionException("no DNS server: give --dns ADDR, or --dhcp") { DnsUnavailable = true };

    /// <summary>Every endpoint a connect was attempted to.</summary>
    public List<IPEndPoint> Connects { get; } = [];

    public string Description => "fake";

    public bool Disposed { get; private set; }

    public ValueTask<IConnection> ConnectAsync(IPEndPoint remote, CancellationToken cancellationToken)
    {
        Connects.Add(remote);
        return Connect(remote, cancellationToken);
    }

    public ValueTask<IConnectionListener> ListenAsync(IPEndPoint local, int backlog, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>Answers an echo request; default: not supported.</summary>
    public Func<IPAddress, TimeSpan, EchoResult> Ping { get; set; } = (_, _) => throw new NotSupportedException();

    /// <summary>The timeout of every echo request.</summary>
    public List<TimeSpan> PingTimeouts { get; } = [];

    public ValueTask<EchoResult> PingAsync(IPAddress destination, ushort sequence, int payloadSize, TimeSpan timeout, CancellationToken cancellationToken)
    {
        PingTimeouts.Add(timeout);
        return ValueTask.FromResult(Ping(destination, timeout));
    }

    public ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken) => ValueTask.FromResult(Resolve(host));

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
