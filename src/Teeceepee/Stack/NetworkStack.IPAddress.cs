using System.Net;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>The public calls that take an <see cref="IPv4Address"/>, also taking <see cref="IPAddress"/> (IPv4, or IPv4 mapped to IPv6).</summary>
public sealed partial class NetworkStack
{
    private IHostResolver? _hostResolver;

    /// <summary>
    /// Resolves host names for <c>TcpConnection.ConnectAsync(host, port)</c> on this stack (a <c>DnsResolver</c> made on
    /// it, say); null: only address literals connect. A connection's own <c>TcpConnectionOptions.Resolver</c> wins.
    /// </summary>
    public IHostResolver? HostResolver
    {
        get => Volatile.Read(ref _hostResolver);
        set => Volatile.Write(ref _hostResolver, value);
    }

    /// <summary>
    /// Pings an address of either family (an ICMP echo, or an ICMPv6 echo for IPv6; IPv4-mapped addresses are IPv4) and
    /// waits for the reply, an error about it, or <paramref name="timeout"/>.
    /// </summary>
    public ValueTask<PingReply> PingAsync(IPAddress destination, int dataSize, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        PingAsync(NetAddress.FromIPAddress(destination), dataSize, timeout, cancellationToken);

    /// <inheritdoc cref="PingAsync(IPv4Address, int, TimeSpan, byte, bool, CancellationToken)"/>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not IPv4.</exception>
    public ValueTask<PingReply> PingAsync(IPAddress destination, int dataSize, TimeSpan timeout, byte timeToLive, bool dontFragment, CancellationToken cancellationToken = default) =>
        PingAsync(IPv4Address.FromIPAddress(destination), dataSize, timeout, timeToLive, dontFragment, cancellationToken);

    /// <summary>Pings an address of either family with 56 data octets (like ping) and waits up to <paramref name="timeout"/>.</summary>
    public ValueTask<PingReply> PingAsync(IPAddress destination, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        PingAsync(NetAddress.FromIPAddress(destination), 56, timeout, cancellationToken);

    /// <inheritdoc cref="ConfigureAsync(IPv4Address, int, IPv4Address?, CancellationToken)"/>
    /// <exception cref="ArgumentException">An address is not IPv4.</exception>
    public ValueTask ConfigureAsync(IPAddress address, int prefixLength, IPAddress? gateway, CancellationToken cancellationToken = default) =>
        ConfigureAsync(IPv4Address.FromIPAddress(address), prefixLength, gateway is null ? null : IPv4Address.FromIPAddress(gateway), cancellationToken);
}
