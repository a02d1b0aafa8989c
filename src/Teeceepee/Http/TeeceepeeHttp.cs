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
    /// <paramref name="resolve"/>; when it is null and the stack's <see cref="NetworkStack.HostResolver"/> is a
    /// <see cref="DnsResolver"/>, names connect with Happy Eyeballs over it (RFC 8305), else only IPv4 and IPv6 literals
    /// work and others fail with an <see cref="HttpRequestException"/>. Proxies from the environment are not used.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(NetworkStack stack, Func<string, IPAddress>? resolve = null, TcpConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        var connectionOptions = options ?? TcpConnectionOptions.Default;
        return new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = (context, cancellationToken) => resolve is null && stack.HostResolver is DnsResolver dns
                ? ConnectAsync(stack, dns, connectionOptions, context.DnsEndPoint, cancellationToken)
                : ConnectAsync(stack, resolve, connectionOptions, context.DnsEndPoint, cancellationToken),
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
            ConnectCallback = (context, cancellationToken) => ConnectAsync(stack, resolver, connectionOptions, context.DnsEndPoint, cancellationToken),
        };
    }

    /// <summary>
    /// Opens a connection by name with Happy Eyeballs (RFC 8305): AAAA and A asked at once, addresses in
    /// RFC 6724 order interleaved by family, attempts 250 ms apart, the first to connect wins.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(NetworkStack stack, DnsResolver resolver, TcpConnectionOptions? options, DnsEndPoint endPoint,
        CancellationToken cancellationToken, HappyEyeballsOptions? happyEyeballs = null)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(endPoint);
        var connection = await HappyEyeballs.ConnectAsync(resolver, Unbracket(endPoint.Host), endPoint.AddressFamily,
            (address, ct) => ConnectAsync(stack, options, new IPEndPoint(address, endPoint.Port), ct), happyEyeballs, cancellationToken).ConfigureAwait(false);
        return connection.GetStream();
    }

    private static async ValueTask<TcpConnection> ConnectAsync(NetworkStack stack, TcpConnectionOptions? options, IPEndPoint remote, CancellationToken cancellationToken)
    {
        var connection = new TcpConnection(stack, options);
        try
        {
            await connection.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string Unbracket(string host) => host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    /// <summary>Opens a connection through <paramref name="stack"/> and returns its stream (the handler's connect step).</summary>
    public static async ValueTask<Stream> ConnectAsync(NetworkStack stack, Func<string, IPAddress>? resolve, TcpConnectionOptions? options, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = Resolve(Unbracket(endPoint.Host), resolve);
        var connection = await ConnectAsync(stack, options, new IPEndPoint(address, endPoint.Port), cancellationToken).ConfigureAwait(false);
        return connection.GetStream();
    }

    private static IPAddress Resolve(string host, Func<string, IPAddress>? resolve)
    {
        if (IPAddress.TryParse(host, out var literal))
            return literal;
        if (resolve is null)
            throw new HttpRequestException($"Cannot resolve {host}: no resolver was given to TeeceepeeHttp.CreateHandler.");
        var address = resolve(host) ?? throw new HttpRequestException($"Cannot resolve {host}.");
        return address;
    }
}
