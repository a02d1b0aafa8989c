using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Teeceepee.Stack;

namespace Teeceepee.AspNetCore;

/// <summary>A Kestrel transport whose listeners are <see cref="Sockets.TcpConnectionListener"/>s on a <see cref="NetworkStack"/>.</summary>
public sealed class TeeceepeeTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly NetworkStack _stack;
    private readonly TeeceepeeTransportOptions _options;

    /// <summary>Creates the factory.</summary>
    public TeeceepeeTransportFactory(NetworkStack stack, TeeceepeeTransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _stack = stack;
        _options = options ?? new TeeceepeeTransportOptions();
    }

    /// <summary>True for IP endpoints: IPv4, or the IPv6 wildcard, which is served as 0.0.0.0.</summary>
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint ip
        && (ip.AddressFamily == AddressFamily.InterNetwork || ip.Address.Equals(IPAddress.IPv6Any));

    /// <inheritdoc />
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip || !CanBind(ip))
            throw new NotSupportedException($"The Teeceepee transport serves IPv4 endpoints only, not {endpoint}.");
        if (ip.Address.Equals(IPAddress.IPv6Any))
            ip = new IPEndPoint(IPAddress.Any, ip.Port);
        var listener = new TeeceepeeConnectionListener(_stack, ip, _options);
        return ValueTask.FromResult<IConnectionListener>(listener);
    }
}
