using System.CommandLine;
using System.CommandLine.Help;
using System.Net.Sockets;
using Teeceepee.Cli.Commands;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli;

/// <summary>The <c>teeceepee</c> command tree, parse-error handling and exit codes.</summary>
internal static class CliApp
{
    /// <summary>The program name used in messages.</summary>
    public const string Name = "teeceepee";

    /// <summary>Builds the root command with every subcommand.</summary>
    public static Command Build(CliContext context)
    {
        // A plain command named "teeceepee" (not RootCommand, which takes the assembly's file name).
        var root = new Command(Name, "teeceepee: a userspace TCP/IP stack and tools that run on it (curl, serve, ping, bench-server, socks, demo, path-emulator, plot).");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Options.Add(HeapLimit.CreateOption());
        root.Subcommands.Add(CurlCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(PingCommand.Create(context));
        root.Subcommands.Add(BenchServerCommand.Create(context));
        root.Subcommands.Add(SocksCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(PathEmulatorCommand.Create(context));
        root.Subcommands.Add(PlotCommand.Create(context));
        return root;
    }

    /// <summary>Parses and runs; parse errors print one line and return 2.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not HelpAction)
        {
            string command = CommandName(result.CommandResult.Command);
            context.Error.WriteLine($"{command}: {result.Errors[0].Message.TrimEnd('.')} (see '{command} --help')");
            return ExitCodes.Usage;
        }
        // --heap-limit applies to the whole process, before the command allocates anything large.
        if (result.Action is not HelpAction && root.Options.OfType<Option<string?>>().FirstOrDefault(o => o.Name == "--heap-limit") is { } heapLimit
            && result.GetValue(heapLimit) is { } limitText)
        {
            if (!HeapLimit.TryParse(limitText, out long bytes, out string? error) || !HeapLimit.TryApply(bytes, out error))
            {
                context.Error.WriteLine($"{CommandName(result.CommandResult.Command)}: {error}");
                return ExitCodes.Usage;
            }
        }
        var configuration = new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
            // Program.Main handles SIGINT/SIGTERM itself and cancels the token.
            ProcessTerminationTimeout = null,
        };
        return await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a command body: <see cref="CliException"/> and other failures become one line on stderr and an exit code.</summary>
    public static async Task<int> GuardAsync(CliContext context, string command, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (CliException e)
        {
            context.Error.WriteLine($"{Name} {command}: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            context.Error.WriteLine($"{Name} {command}: the address is already in use");
            return ExitCodes.Failure;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            context.Error.WriteLine($"{Name} {command}: permission denied ({e.Message}); ports below 1024 and raw sockets need root");
            return ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"{Name} {command}: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            // A bug: still one line, naming the exception so it can be reported.
            context.Error.WriteLine($"{Name} {command}: internal error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static string CommandName(Command command) => command.Name == Name ? Name : $"{Name} {command.Name}";
}
