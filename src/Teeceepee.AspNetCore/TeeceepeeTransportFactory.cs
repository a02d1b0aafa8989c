using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.AspNetCore;

/// <summary>A Kestrel transport whose listeners are <see cref="Sockets.TcpConnectionListener"/>s on a <see cref="NetworkStack"/>.</summary>
/// <remarks>
/// The transport claims every endpoint Kestrel is given (<see cref="CanBind"/> is always true), so
/// none falls back to Kestrel's socket transport on the host kernel; the endpoints the stack cannot
/// serve are refused by <see cref="BindAsync"/> with a <see cref="NotSupportedException"/> that says why:
/// IPv6 (the stack speaks IPv4 only today), loopback (the stack has no loopback interface, so
/// <c>localhost</c> is refused rather than published on the stack's address), an IPv4 address that is
/// not the stack's own, and non-IP endpoints (Unix sockets, file handles). 0.0.0.0 and the stack's
/// address are served; so is the IPv6 wildcard [::] (Kestrel's <c>*</c> and <c>+</c>), as 0.0.0.0:
/// all of the stack's addresses.
/// </remarks>
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

    /// <summary>Always true: every endpoint is either served by the stack or refused by <see cref="BindAsync"/>, never handed to kernel sockets.</summary>
    public bool CanBind(EndPoint endpoint) => true;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The stack cannot serve <paramref name="endpoint"/> (the message says why).</exception>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (Refusal(endpoint) is { } reason)
            throw new NotSupportedException($"The Teeceepee transport cannot listen on {endpoint}: {reason}.");
        var ip = (IPEndPoint)endpoint;
        // "*" and "+" reach us as [::] first: all of the stack's addresses, which are IPv4 (0.0.0.0).
        if (ip.Address.Equals(IPAddress.IPv6Any))
            ip = new IPEndPoint(IPAddress.Any, ip.Port);
        var listener = new TeeceepeeConnectionListener(_stack, ip, _options);
        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>Why the stack cannot serve <paramref name="endpoint"/>, or null when it can.</summary>
    private string? Refusal(EndPoint endpoint)
    {
        if (endpoint is not IPEndPoint ip)
            return "the stack serves TCP over IPv4 only (no Unix sockets or file handles)";
        var own = _stack.Address;
        string listenHint = own.IsUnspecified ? "listen on 0.0.0.0" : $"listen on its address ({own}) or on 0.0.0.0";
        if (ip.Address.Equals(IPAddress.IPv6Any))
            return null;
        if (ip.AddressFamily != AddressFamily.InterNetwork)
            return IPAddress.IsLoopback(ip.Address)
                ? $"IPv6 is not in the stack yet, and the stack has no loopback interface; {listenHint}"
                : $"IPv6 is not in the stack yet; {listenHint}";
        if (IPAddress.IsLoopback(ip.Address))
            return $"the stack has no loopback interface (localhost would not be private on it); {listenHint}";
        var address = IPv4Address.FromIPAddress(ip.Address);
        if (!address.IsUnspecified && address != own)
            return $"{ip.Address} is not the stack's address ({(own.IsUnspecified ? "none yet" : own.ToString())}); {listenHint}";
        return null;
    }
}
