using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Cli.Serve;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee serve [DIR] [--port 80] [--https CERT KEY]</c>: Kestrel's static files on the stack.</summary>
internal static class ServeCommand
{
    public const string Name = "serve";

    public static Command Create(CliContext context)
    {
        var links = new LinkOptionSet(defaultLoops: Environment.ProcessorCount);
        var directory = new Argument<string>("DIR") { Description = "Directory to serve", DefaultValueFactory = _ => "." };
        var port = new Option<string?>("--port", "-p") { Description = "TCP port to listen on (default 80, or 443 with --https; 0: any free port, printed)", HelpName = "PORT" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No access log on standard output" };
        var https = new Option<string[]>("--https") { Description = "Serve HTTPS (HTTP/1.1 and HTTP/2 by ALPN) with this PEM certificate and key", HelpName = "CERT.pem KEY.pem", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var stdinLifetime = new Option<bool>("--exit-on-stdin-close") { Description = "Stop when standard input closes (the demo's server dies with the demo)", Hidden = true };

        var command = new Command(Name, "Serve a directory with Kestrel's static files (ETag, ranges, listings, keep-alive, HTTPS with HTTP/2) through the stack");
        command.Arguments.Add(directory);
        command.Options.Add(port);
        command.Options.Add(quiet);
        command.Options.Add(https);
        command.Options.Add(stdinLifetime);
        links.AddTo(command);

        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            string root = result.GetValue(directory) ?? ".";
            if (!Directory.Exists(root))
                throw CliException.Usage($"directory {root} does not exist");
            string[]? pem = result.GetValue(https);
            using var certificate = pem is { Length: 2 } ? LoadCertificate(pem[0], pem[1]) : null;
            int listenPort = CommandSupport.ReadInt(result, port, 0, 65535) ?? (certificate is null ? 80 : 443);
            await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (result.GetValue(stdinLifetime))
                _ = WatchStandardInputAsync(lifetime);
            await using var site = await StaticSite.StartAsync(network, root, listenPort, certificate, result.GetValue(quiet) ? null : context.Out, cancellationToken).ConfigureAwait(false);
            string scheme = certificate is null ? "http" : "https (HTTP/1.1 and HTTP/2)";
            await context.Out.WriteLineAsync($"serving {Path.GetFullPath(root)} on port {site.Port} over {scheme} ({network.Description}); Ctrl+C stops").ConfigureAwait(false);
            await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            await site.RunUntilCancelledAsync(lifetime.Token).ConfigureAwait(false);
            WriteLoopSummary(context.Error, site, network);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    // With --loops, what each loop did: connections it accepted, TCP segments each way (stderr, when stopped).
    private static void WriteLoopSummary(TextWriter error, StaticSite site, INetwork network)
    {
        if (network is not TeeceepeeNetwork { LoopStats: { Count: > 1 } loops })
            return;
        var accepted = site.AcceptedPerLoop;
        for (int i = 0; i < loops.Count; i++)
        {
            long n = i < accepted.Count ? accepted[i] : 0;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"serve: loop {i}: accepted {n} connections; tcp segments in {loops[i].TcpSegmentsIn}, out {loops[i].TcpSegmentsOut}"));
        }
        error.Flush();
    }

    /// <summary>A certificate with its private key from two PEM files; a clear sentence when they do not load.</summary>
    internal static X509Certificate2 LoadCertificate(string certificateFile, string keyFile)
    {
        foreach (var file in new[] { certificateFile, keyFile })
        {
            if (!File.Exists(file))
                throw CliException.Usage($"--https: {file} does not exist");
        }
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw CliException.Usage($"--https: cannot load the certificate {certificateFile} with key {keyFile}: {e.Message.TrimEnd('.')}");
        }
    }

    // Even a SIGKILLed parent closes its end of our stdin pipe: then stop.
    private static async Task WatchStandardInputAsync(CancellationTokenSource lifetime)
    {
        try
        {
            await using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (await stdin.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
        await lifetime.CancelAsync().ConfigureAwait(false);
    }
}
