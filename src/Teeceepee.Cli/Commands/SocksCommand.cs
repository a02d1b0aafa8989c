using System.CommandLine;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;
using Teeceepee.Cli.Socks;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee socks</c>: a SOCKS5 server on the host's loopback whose connections go out through the stack.</summary>
internal static class SocksCommand
{
    public const string Name = "socks";

    public static Command Create(CliContext context)
    {
        var links = new LinkOptionSet();
        var listen = new Option<string?>("--listen") { Description = "Host (kernel) address to accept SOCKS5 clients on (default 127.0.0.1:1080)", HelpName = "ADDR:PORT" };
        var resolve = new Option<string[]>("--resolve") { Description = "Answer domain-name requests for HOST:PORT with ADDR (PORT may be *)", HelpName = "HOST:PORT:ADDR", Arity = ArgumentArity.ZeroOrMore };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No log line per request" };

        var command = new Command(Name, "SOCKS5 server (CONNECT, no authentication) on the host: programs on the host connect out through the stack");
        command.Options.Add(listen);
        command.Options.Add(resolve);
        command.Options.Add(quiet);
        links.AddTo(command);

        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            string listenText = result.GetValue(listen) ?? "127.0.0.1:1080";
            if (!ValueParsers.TryParseEndpoint(listenText, "--listen", out var endpoint, out var error))
                throw CliException.Usage(error);
            var entries = new List<ResolveEntry>();
            foreach (var text in result.GetValue(resolve) ?? [])
            {
                if (!ValueParsers.TryParseResolve(text, out var entry, out error))
                    throw CliException.Usage(error);
                entries.Add(entry);
            }
            await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
            await using var host = new KernelNetwork();
            await using var listener = await host.ListenAsync(endpoint, 512, cancellationToken).ConfigureAwait(false);
            var server = new Socks5Server(network, entries, result.GetValue(quiet) ? null : context.Out);
            await context.Out.WriteLineAsync($"socks: SOCKS5 on {listener.LocalEndPoint} (host), connecting out through {network.Description}; Ctrl+C stops").ConfigureAwait(false);
            await server.RunAsync(listener, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
