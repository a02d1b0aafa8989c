using System.Net;
using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// The client side of TCP Fast Open's cookie cache (RFC 7413 §4.1.3) at the API: a program that runs a stack per
/// process (the CLI's curl) keeps cookies across runs the way the kernel keeps them across connections.
/// </summary>
public sealed partial class NetworkStack
{
    /// <summary>The Fast Open cookies servers gave this stack's connections, by server address.</summary>
    public async ValueTask<IReadOnlyList<KeyValuePair<IPAddress, byte[]>>> GetFastOpenCookiesAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (CanRunInline)
            return ExportFastOpenCookies();
        return await InvokeAsync((stack, _) => stack.ExportFastOpenCookies(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts a cookie <paramref name="server"/> gave earlier into the client cache: the next connection there with Fast Open sends data in its SYN.</summary>
    /// <exception cref="ArgumentException">The cookie is not 4 to 16 octets long.</exception>
    public async ValueTask AddFastOpenCookieAsync(IPAddress server, ReadOnlyMemory<byte> cookie, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (cookie.IsEmpty || !TcpFastOpenCookie.TryCreate(cookie.Span, out var value))
            throw new ArgumentException("A Fast Open cookie is 4 to 16 octets long.", nameof(cookie));
        ObjectDisposedException.ThrowIf(_disposed, this);
        var address = NetAddress.FromIPAddress(server);
        if (CanRunInline)
        {
            _tcp.FastOpenCookies.Store(address, value);
            return;
        }
        await InvokeAsync((stack, _) =>
        {
            stack._tcp.FastOpenCookies.Store(address, value);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private KeyValuePair<IPAddress, byte[]>[] ExportFastOpenCookies()
    {
        var cached = _tcp.FastOpenCookies.CachedCookies();
        var result = new KeyValuePair<IPAddress, byte[]>[cached.Length];
        for (int i = 0; i < cached.Length; i++)
        {
            var bytes = new byte[cached[i].Value.Length];
            cached[i].Value.CopyTo(bytes);
            result[i] = new(cached[i].Key.ToIPAddress(), bytes);
        }
        return result;
    }
}
