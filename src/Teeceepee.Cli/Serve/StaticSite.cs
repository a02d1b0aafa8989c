using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Teeceepee.AspNetCore;
using Teeceepee.Cli.Network;

namespace Teeceepee.Cli.Serve;

/// <summary>
/// <c>teeceepee serve</c>'s web server: Kestrel on the network's transport (the stack through
/// Teeceepee.AspNetCore, or kernel sockets with --kernel) with ASP.NET Core's static-file and
/// directory-browser middleware (ETag/If-None-Match, Last-Modified, ranges, HEAD, content types,
/// listings), HTTP/1.1, and with a certificate HTTPS with HTTP/1.1 and HTTP/2 by ALPN.
/// </summary>
internal sealed class StaticSite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StaticSite(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port Kestrel listens on (the chosen one when asked for port 0).</summary>
    public int Port { get; }

    /// <summary>Connections each loop of the stack accepted (loop 0 first), or empty on kernel sockets.</summary>
    public IReadOnlyList<long> AcceptedPerLoop =>
        (_app.Services.GetService<IConnectionListenerFactory>() as TeeceepeeTransportFactory)?.AcceptedPerLoop ?? [];

    /// <summary>
    /// Starts serving <paramref name="root"/> on <paramref name="port"/> (0: any free port) of every
    /// address of <paramref name="network"/>, both families when it has IPv6; <paramref name="certificate"/> turns on HTTPS;
    /// <paramref name="accessLog"/> receives one line per request.
    /// </summary>
    public static async Task<StaticSite> StartAsync(INetwork network, string root, int port, X509Certificate2? certificate, TextWriter? accessLog, CancellationToken cancellationToken)
    {
        string fullRoot = Path.GetFullPath(root);
        // An empty builder: no configuration files to watch, no logging providers, Kestrel without extras.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = fullRoot, WebRootPath = fullRoot });
        builder.WebHost.UseKestrelCore();
        if (certificate is not null)
            builder.WebHost.UseKestrelHttpsConfiguration();
        network.ConfigureWebHost(builder.WebHost);
        builder.Logging.ClearProviders();
        builder.Services.AddDirectoryBrowser();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = null;
            // Both families on one dual-stack listener when the network speaks IPv6 ([::]), else 0.0.0.0.
            kestrel.Listen(network.AnyAddress, port, listen =>
            {
                if (certificate is null)
                {
                    listen.Protocols = HttpProtocols.Http1;
                    return;
                }
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            });
        });

        var app = builder.Build();
        if (accessLog is not null)
            app.Use((context, next) => LogAsync(context, next, accessLog));
        app.Use(RefuseDotDotAsync);
        app.Use(static (context, next) =>
        {
            context.Features.Set<IHttpResponseBodyFeature>(new FileSendingBodyFeature(
                context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), context.Features.Get<IHttpMinResponseDataRateFeature>()));
            return next(context);
        });
        var files = new PhysicalFileProvider(fullRoot);
        app.UseFileServer(new FileServerOptions
        {
            FileProvider = files,
            EnableDirectoryBrowsing = true,
            StaticFileOptions =
            {
                // Serve every file, with application/octet-stream when the extension is unknown.
                ServeUnknownFileTypes = true,
                DefaultContentType = "application/octet-stream",
                ContentTypeProvider = new FileExtensionContentTypeProvider(),
            },
        });
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        int bound = addresses.Select(a => new Uri(a.Replace("*", "localhost", StringComparison.Ordinal)).Port).FirstOrDefault(port);
        return new StaticSite(app, bound);
    }

    /// <summary>Waits until <paramref name="cancellationToken"/> fires, then stops (open requests finish for up to 5 s).</summary>
    public async Task RunUntilCancelledAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    // Methods other than GET and HEAD get 405. ".." in the request target would climb out of the directory: refuse it outright (400), as the
    // server always did, rather than rely on normalisation (Kestrel removes dot segments, RFC 3986 §5.2.4).
    private static Task RefuseDotDotAsync(HttpContext context, RequestDelegate next)
    {
        // A static site answers GET and HEAD only (RFC 9110 §15.5.6: 405 with Allow).
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }
        string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        string decoded = Uri.UnescapeDataString(target.Split('?')[0]).Replace('\\', '/');
        foreach (var segment in decoded.Split('/'))
        {
            if (segment == "..")
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return Task.CompletedTask;
            }
        }
        return next(context);
    }

    // An IPv4 client of the dual-stack listener is logged as IPv4, not as ::ffff:a.b.c.d.
    private static IPAddress? Client(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    // One line per request, like the common log format: client, time, request line, status, body bytes.
    private static async Task LogAsync(HttpContext context, RequestDelegate next, TextWriter log)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            var request = context.Request;
            var response = context.Response;
            long? length = response.ContentLength;
            string bytes = length is { } n && !HttpMethods.IsHead(request.Method) ? n.ToString(CultureInfo.InvariantCulture) : "-";
            string target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
            var now = DateTimeOffset.Now;
            var offset = now.Offset.Duration();
            string zone = string.Create(CultureInfo.InvariantCulture, $"{(now.Offset < TimeSpan.Zero ? '-' : '+')}{offset.Hours:00}{offset.Minutes:00}");
            string line = string.Create(CultureInfo.InvariantCulture,
                $"{Client(context.Connection.RemoteIpAddress)} - - [{now:dd/MMM/yyyy:HH:mm:ss} {zone}] \"{request.Method} {target} {request.Protocol}\" {response.StatusCode} {bytes}");
            lock (log)
                log.WriteLine(line);
        }
    }
}
