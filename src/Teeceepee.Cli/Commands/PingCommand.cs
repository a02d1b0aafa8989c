using System.CommandLine;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee ping HOST</c>: ICMP echo through the stack, with iputils' output and exit codes.</summary>
internal static class PingCommand
{
    public const string Name = "ping";

    public static Command Create(CliContext context)
    {
        var links = new LinkOptionSet();
        var host = new Argument<string>("HOST") { Description = "IPv4 address (or name) to ping" };
        var count = new Option<string?>("--count", "-c") { Description = "Stop after N echo requests (default: until Ctrl+C)", HelpName = "N" };
        var interval = new Option<string?>("--interval", "-i") { Description = "Seconds between requests (default 1)", HelpName = "S" };
        var size = new Option<string?>("--size", "-s") { Description = "ICMP payload bytes (default 56)", HelpName = "SIZE" };
        var timeout = new Option<string?>("--timeout", "-W") { Description = "Seconds to wait for each reply (default 10; 0: no limit, as iputils)", HelpName = "S" };

        var command = new Command(Name, "Send ICMP echo requests through the stack and print iputils-style replies and statistics");
        command.Arguments.Add(host);
        command.Options.Add(count);
        command.Options.Add(interval);
        command.Options.Add(size);
        command.Options.Add(timeout);
        links.AddTo(command);

        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            var options = new PingOptions
            {
                Count = CommandSupport.ReadInt(result, count, 1, int.MaxValue),
                Interval = CommandSupport.ReadSeconds(result, interval) ?? TimeSpan.FromSeconds(1),
                Size = CommandSupport.ReadInt(result, size, 0, 65507) ?? 56,
                // iputils: -W 0 means no timeout.
                Timeout = CommandSupport.ReadSeconds(result, timeout) is { } wait ? wait == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : wait : TimeSpan.FromSeconds(10),
            };
            string target = result.GetValue(host)!;
            await using var network = await CommandSupport.OpenNetworkAsync(context, links, result, cancellationToken).ConfigureAwait(false);
            System.Net.IPAddress address;
            try
            {
                address = await network.ResolveAsync(target, cancellationToken).ConfigureAwait(false);
            }
            catch (NameResolutionException e)
            {
                throw new CliException(ExitCodes.Usage, $"could not resolve host: {target} ({e.Message})");
            }
            var session = new PingSession((seq, bytes, wait, ct) => network.PingAsync(address, seq, bytes, wait, ct), context.Out);
            return await session.RunAsync(target, address, options, cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }
}
