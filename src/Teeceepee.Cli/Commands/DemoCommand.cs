using System.CommandLine;
using Teeceepee.Cli.Demo;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary><c>teeceepee demo</c>: private namespace, kernel web server, fetch through the stack.</summary>
internal static class DemoCommand
{
    public const string Name = "demo";

    public static Command Create(CliContext context)
    {
        var links = new LinkOptionSet();
        var command = new Command(Name,
            "Self-contained demo (root): a private network namespace with a kernel web server on a TAP device, and a fetch of its page through the stack with a trace of the handshake and teardown. Fault options (--loss, --delay, ...), --pcap and -v apply to the stack's link");
        links.AddMiddlewareTo(command);
        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            var middleware = links.ReadMiddleware(result, context.Probe, Name);
            if (!context.Probe.HasNetAdmin)
                throw new CliException("demo needs root (it creates a network namespace and a TAP device); run it with sudo");
            if (!context.Probe.TunControlExists)
                throw new CliException("/dev/net/tun does not exist, so no TAP device can be opened (load the tun module: modprobe tun)");
            string ip = Demo.ProcessRunner.FindExecutable("ip")
                ?? throw new CliException("demo needs the ip command from iproute2 (apt-get install iproute2)");
            return await new DemoRunner(context, middleware, ip).RunAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }
}
