using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Teeceepee.Dns;
using Teeceepee.Sockets;
using Teeceepee.Stack;

namespace Teeceepee.Http;

/// <summary>
/// Runs <see cref="HttpClient"/> over a <see cref="NetworkStack"/>: a <see cref="SocketsHttpHandler"/>
/// whose connections are <see cref="TcpConnection"/>s, so HTTP/1.1, connection pooling and HTTPS
/// (SslStream on top of the connection's stream) work unchanged.
/// </summary>
/// <example>
/// <code>
/// using var http = new HttpClient(TeeceepeeHttp.CreateHandler(stack));
/// string page = await http.GetStringAsync("http://198.18.0.1/");
/// </code>
/// </example>
public static class TeeceepeeHttp
{
    /// <summary>
    /// A handler that connects through <paramref name="stack"/>. Host names go through
    /// <paramref name="resolve"/> (null: only IPv4 literals work, others fail with an
    /// <see cref="HttpRequestException"/>); proxies from the environment are not used.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(NetworkStack stack, Func<string, IPAddress>? resolve = null, TcpConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var connectionOptions = options ?? TcpConnectionOptions.Default;
        return new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(stack, resolve, connectionOptions, context.DnsEndPoint, cancellationToken),
        };
    }

    /// <summary>
    /// A handler that connects through <paramref name="stack"/> and looks host names up with
    /// <paramref name="resolver"/> (DNS over the same stack); resolver failures surface as
    /// <see cref="HttpRequestException"/>s wrapping the <see cref="SocketException"/>.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(NetworkStack stack, DnsResolver resolver, TcpConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(resolver);
        var connectionOptions = options ?? TcpConnectionOptions.Default;
        return new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var endPoint = context.DnsEndPoint;
                var address = await resolver.ResolveAsync(endPoint.Host, cancellationToken).ConfigureAwait(false);
                return await ConnectAsync(stack, null, connectionOptions, new DnsEndPoint(address.ToString(), endPoint.Port), cancellationToken).ConfigureAwait(false);
            },
        };
    }

    /// <summary>Opens a connection through <paramref name="stack"/> and returns its stream (the handler's connect step).</summary>
    public static async ValueTask<Stream> ConnectAsync(NetworkStack stack, Func<string, IPAddress>? resolve, TcpConnectionOptions? options, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = Resolve(endPoint.Host, resolve);
        var connection = new TcpConnection(stack, options);
        try
        {
            await connection.ConnectAsync(new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return connection.GetStream();
    }

    private static IPAddress Resolve(string host, Func<string, IPAddress>? resolve)
    {
        // Brackets only appear around IPv6 literals, which the stack does not speak.
        if (IPAddress.TryParse(host, out var literal))
        {
            if (literal.AddressFamily != AddressFamily.InterNetwork)
                throw new HttpRequestException($"{host} is not an IPv4 address; the stack speaks IPv4 only.");
            return literal;
        }
        if (resolve is null)
            throw new HttpRequestException($"Cannot resolve {host}: no resolver was given to TeeceepeeHttp.CreateHandler.");
        var address = resolve(host) ?? throw new HttpRequestException($"Cannot resolve {host}.");
        return address;
    }
}
