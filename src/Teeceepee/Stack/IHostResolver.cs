using System.Net;

namespace Teeceepee.Stack;

/// <summary>
/// Turns a host name into an address for <c>TcpConnection.ConnectAsync(host, port)</c>: the stack's own DNS resolver
/// (<c>Teeceepee.Dns.DnsResolver</c>), a hosts table, or anything else. Set it on the stack
/// (<see cref="NetworkStack.HostResolver"/>) or per connection (<c>TcpConnectionOptions.Resolver</c>).
/// </summary>
public interface IHostResolver
{
    /// <summary>The address of <paramref name="host"/>; fails with a <see cref="System.Net.Sockets.SocketException"/> (HostNotFound...).</summary>
    ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken = default);
}
