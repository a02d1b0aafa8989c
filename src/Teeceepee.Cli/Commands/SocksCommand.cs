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
        var user = new Option<string?>("--user") { Description = "Require this username and password from clients (RFC 1929)", HelpName = "NAME:PASS" };

        var command = new Command(Name, "SOCKS5 server (CONNECT and UDP ASSOCIATE; no authentication, or --user) on the host: programs on the host connect out through the stack");
        command.Options.Add(listen);
        command.Options.Add(resolve);
        command.Options.Add(quiet);
        command.Options.Add(user);
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
            Socks5Credentials? credentials = null;
            if (result.GetValue(user) is { } userText && !Socks5Credentials.TryParse(userText, out credentials, out error))
                throw CliException.Usage(error!);
            await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
            await using var host = new KernelNetwork();
            IConnectionListener listener;
            try
            {
                listener = await host.ListenAsync(endpoint, 512, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new CliException($"cannot listen for SOCKS clients on {endpoint}: {e.Message}");
            }
            await using var _ = listener.ConfigureAwait(false);
            var server = new Socks5Server(network, entries, result.GetValue(quiet) ? null : context.Out) { Credentials = credentials };
            string auth = credentials is null ? "no authentication" : $"username/password for '{credentials.User}'";
            await context.Out.WriteLineAsync($"socks: SOCKS5 on {listener.LocalEndPoint} (host, {auth}), connecting out through {network.Description}; Ctrl+C stops").ConfigureAwait(false);
            await server.RunAsync(listener, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
