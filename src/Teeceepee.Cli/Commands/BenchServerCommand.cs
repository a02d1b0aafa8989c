using System.CommandLine;
using System.Net;
using Teeceepee.Cli.Bench;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee bench-server</c>: the bench contract's sink, source and echo servers on the stack, plus close-first and connect-back.</summary>
internal static class BenchServerCommand
{
    public const string Name = "bench-server";

    public static Command Create(CliContext context)
    {
        var links = new LinkOptionSet(defaultLoops: Environment.ProcessorCount);
        var sink = new Option<string?>("--sink") { Description = "Sink port: read and discard until FIN, then close (default 5001)", HelpName = "PORT" };
        var source = new Option<string?>("--source") { Description = "Source port: write until the peer resets (default 5002)", HelpName = "PORT" };
        var echo = new Option<string?>("--echo") { Description = "Echo port: write back at once until FIN, then close (default 5003)", HelpName = "PORT" };
        var closeFirst = new Option<string?>("--close-first") { Description = "Close-first port: write hello\\n and close first, so the stack passes FIN-WAIT and TIME-WAIT (default 5004)", HelpName = "PORT" };
        var connectBack = new Option<string?>("--connect-back") { Description = "Connect-back port: read 'CONNECT <port>\\n', connect to the client's address at that port, write hello\\n there and close first; then answer OK (default 5005)", HelpName = "PORT" };

        var command = new Command(Name,
            "Run the bench servers (sink, source, echo, close-first, connect-back). With no link options the link comes from BENCH_TAP, BENCH_ADDR, BENCH_GW and BENCH_MTU (and BENCH_ADDR6, BENCH_PREFIX6, BENCH_GW6 for IPv6). On SIGTERM or Ctrl+C the stack's counters go to stderr");
        command.Options.Add(sink);
        command.Options.Add(source);
        command.Options.Add(echo);
        command.Options.Add(closeFirst);
        command.Options.Add(connectBack);
        links.AddTo(command);

        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            int sinkPort = CommandSupport.ReadInt(result, sink, 0, 65535) ?? 5001;
            int sourcePort = CommandSupport.ReadInt(result, source, 0, 65535) ?? 5002;
            int echoPort = CommandSupport.ReadInt(result, echo, 0, 65535) ?? 5003;
            int closeFirstPort = CommandSupport.ReadInt(result, closeFirst, 0, 65535) ?? 5004;
            int connectBackPort = CommandSupport.ReadInt(result, connectBack, 0, 65535) ?? 5005;
            await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
            var server = new BenchServer(network, context.Error);
            void Listening(BenchServer.Role role, IPEndPoint endpoint) =>
                context.Out.WriteLine($"bench-server: {BenchServer.NameOf(role)} listening on {endpoint} ({network.Description})");
            // SIGTERM/Ctrl+C: the counters go to stderr at once, before the shutdown (the harness kills 0.3 s later).
            int printed = 0;
            using var summary = cancellationToken.Register(() =>
            {
                if (Interlocked.Exchange(ref printed, 1) == 0)
                    BenchSummary.Write(context.Error, server, network);
            });
            (BenchServer.Role, int?)[] ports =
            [
                (BenchServer.Role.Sink, sinkPort), (BenchServer.Role.Source, sourcePort), (BenchServer.Role.CloseFirst, closeFirstPort),
                (BenchServer.Role.ConnectBack, connectBackPort), (BenchServer.Role.Echo, echoPort),
            ];
            var memory = BenchMemoryReport.Start(server, network, context.Error, cancellationToken);
            // With BENCH_ADDR6 (run.sh --ipv6) the servers listen on [::]: both families on one listener each.
            await server.RunAsync(network.AnyAddress, ports, Listening, cancellationToken).ConfigureAwait(false);
            await memory.ConfigureAwait(false);
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }
}
