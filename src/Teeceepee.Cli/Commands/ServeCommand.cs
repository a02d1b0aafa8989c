using System.CommandLine;
using System.Net;
using Teeceepee.Cli.Http;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee serve [DIR] [--port 80]</c>: a static-file HTTP/1.1 server on the stack.</summary>
internal static class ServeCommand
{
    public const string Name = "serve";

    public static Command Create(CliContext context)
    {
        var links = new LinkOptionSet();
        var directory = new Argument<string>("DIR") { Description = "Directory to serve", DefaultValueFactory = _ => "." };
        var port = new Option<string?>("--port", "-p") { Description = "TCP port to listen on (default 80)", HelpName = "PORT" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No access log on standard output" };
        var stdinLifetime = new Option<bool>("--exit-on-stdin-close") { Description = "Stop when standard input closes (the demo's server dies with the demo)", Hidden = true };

        var command = new Command(Name, "Serve a directory over HTTP/1.1 (GET, HEAD, keep-alive, ranges, many clients at once)");
        command.Arguments.Add(directory);
        command.Options.Add(port);
        command.Options.Add(quiet);
        command.Options.Add(stdinLifetime);
        links.AddTo(command);

        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            string root = result.GetValue(directory) ?? ".";
            if (!Directory.Exists(root))
                throw CliException.Usage($"directory {root} does not exist");
            int listenPort = CommandSupport.ReadInt(result, port, 0, 65535) ?? 80;
            await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
            await using var listener = await network.ListenAsync(new IPEndPoint(IPAddress.Any, listenPort), 512, cancellationToken).ConfigureAwait(false);
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (result.GetValue(stdinLifetime))
                _ = WatchStandardInputAsync(lifetime);
            var server = new StaticFileServer(root, result.GetValue(quiet) ? null : context.Out);
            await context.Out.WriteLineAsync($"serving {Path.GetFullPath(root)} on port {listener.LocalEndPoint.Port} ({network.Description}); Ctrl+C stops").ConfigureAwait(false);
            await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            await server.RunAsync(listener, lifetime.Token).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
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
