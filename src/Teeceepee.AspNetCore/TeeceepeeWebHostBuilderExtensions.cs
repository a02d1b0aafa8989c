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
    /// with <c>UseUrls</c>/<c>Listen</c> (the stack's address or 0.0.0.0) are served by the stack.
    /// </summary>
    /// <example><code>builder.WebHost.UseTeeceepee(stack).UseUrls("http://198.18.0.2:8080");</code></example>
    public static IWebHostBuilder UseTeeceepee(this IWebHostBuilder builder, NetworkStack stack, Action<TeeceepeeTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(stack);
        var options = new TeeceepeeTransportOptions();
        configure?.Invoke(options);
        return builder.ConfigureServices(services =>
            services.AddSingleton<IConnectionListenerFactory>(new TeeceepeeTransportFactory(stack, options)));
    }
}
