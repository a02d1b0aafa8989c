using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Teeceepee.Stack;

namespace Teeceepee.AspNetCore;

/// <summary>Plugs the Teeceepee transport into Kestrel.</summary>
public static class TeeceepeeWebHostBuilderExtensions
{
    /// <summary>
    /// Makes Kestrel listen on <paramref name="stack"/> instead of kernel sockets: endpoints given
    /// with <c>UseUrls</c>/<c>Listen</c> (the stack's IPv4 or IPv6 addresses, 0.0.0.0, or [::], <c>*</c>
    /// and <c>ListenAnyIP</c>, which are one dual-stack listener when the stack speaks IPv6, else 0.0.0.0)
    /// are served by the stack. Every other endpoint fails to bind with a clear error, never on a kernel
    /// socket: <c>localhost</c> and loopback (the stack has none), other addresses, Unix sockets. So
    /// Kestrel's default URL (localhost:5000) is refused: give a URL. The input pipes take their blocks from
    /// the host's <see cref="IMemoryPoolFactory{T}"/> (Kestrel's pool, which returns idle memory), the output
    /// pipes 64 KiB blocks from the transport's own pool (which releases idle blocks too).
    /// </summary>
    /// <example><code>builder.WebHost.UseTeeceepee(stack).UseUrls("http://198.18.0.2:8080");</code></example>
    public static IWebHostBuilder UseTeeceepee(this IWebHostBuilder builder, NetworkStack stack, Action<TeeceepeeTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        var options = new TeeceepeeTransportOptions();
        configure?.Invoke(options);
        return builder.ConfigureServices(services =>
            services.AddSingleton<IConnectionListenerFactory>(provider => new TeeceepeeTransportFactory(stack, options,
                provider.GetService<IMemoryPoolFactory<byte>>()?.Create(new MemoryPoolOptions { Owner = "teeceepee" }))));
    }

    /// <summary>
    /// Makes Kestrel listen on every loop of <paramref name="group"/> (one stack per queue of a multi-queue link): each
    /// endpoint is a listener on every loop, each loop accepts the flows it owns, and a connection's I/O stays on its
    /// loop. Endpoints are checked as for a single stack (the group's addresses are loop 0's).
    /// </summary>
    public static IWebHostBuilder UseTeeceepee(this IWebHostBuilder builder, NetworkStackGroup group, Action<TeeceepeeTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(group);
        var options = new TeeceepeeTransportOptions();
        configure?.Invoke(options);
        return builder.ConfigureServices(services =>
            services.AddSingleton<IConnectionListenerFactory>(provider => new TeeceepeeTransportFactory(group, options,
                provider.GetService<IMemoryPoolFactory<byte>>()?.Create(new MemoryPoolOptions { Owner = "teeceepee" }))));
    }
}
