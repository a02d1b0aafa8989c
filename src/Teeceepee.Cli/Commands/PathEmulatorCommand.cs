using System.CommandLine;
using System.Globalization;
using Teeceepee.Cli.Options;
using Teeceepee.Links;

namespace Teeceepee.Cli.Commands;

/// <summary>
/// <c>teeceepee path-emulator --tap A --tap B [path options]</c>: joins two TAP devices like a wire through the same
/// <see cref="FaultInjector"/> the stack's link options use, with a rate, a drop-tail queue, delay, jitter, loss, ECN
/// marking and an MTU black hole per direction. The kernels at the TAPs' ends (two namespaces, one subnet) talk over it.
/// </summary>
internal static class PathEmulatorCommand
{
    public const string Name = "path-emulator";

    private const int ErrnoPermission = 1;
    private const int ErrnoAccess = 13;
    private const int ErrnoBusy = 16;

    public static Command Create(CliContext context)
    {
        var taps = new Option<string[]>("--tap") { Description = "A TAP device to join (attached if it exists, else created); give it twice: --tap A --tap B", HelpName = "NAME" };
        var both = new PathOptionSet("", "in both directions");
        var aToB = new PathOptionSet("ab-", "from A to B (overrides the option without ab-)");
        var bToA = new PathOptionSet("ba-", "from B to A (overrides the option without ba-)");
        var seed = new Option<string?>("--seed") { Description = "Seed of the fault streams (same seed and traffic, same outcome)", HelpName = "N" };
        var noOffload = new Option<bool>("--no-offload") { Description = "Open the TAPs without offloads (by default the kernels hand over TCP super-frames, cut here into wire frames)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Print the path and, at exit, what happened to the frames each way" };

        var command = new Command(Name,
            "Join two TAP devices like a wire with a rate, queue, delay, jitter, loss, ECN marking and MTU black hole per direction; frames from A's kernel side leave at B and back. Stops on Ctrl+C or SIGTERM");
        command.Options.Add(taps);
        both.AddTo(command);
        aToB.AddTo(command);
        bToA.AddTo(command);
        command.Options.Add(seed);
        command.Options.Add(noOffload);
        command.Options.Add(verbose);

        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, async () =>
        {
            string[] names = result.GetValue(taps) ?? [];
            if (names.Length != 2)
                throw CliException.Usage("give two TAP devices to join: --tap A --tap B");
            foreach (string name in names)
                CheckDeviceName(name);
            if (names[0] == names[1])
                throw CliException.Usage($"--tap {names[0]} is given twice; the two ends must be different devices");
            var common = both.Read(result, FaultOptions.None);
            var forward = aToB.Read(result, common);
            var backward = bToA.Read(result, common);
            PathOptionSet.CheckNeedsRate(forward, aToB.Queue.Name, aToB.EcnThreshold.Name, aToB.Rate.Name);
            PathOptionSet.CheckNeedsRate(backward, bToA.Queue.Name, bToA.EcnThreshold.Name, bToA.Rate.Name);
            int seedValue = CommandSupport.ReadInt(result, seed, int.MinValue, int.MaxValue) ?? Random.Shared.Next();
            bool offloads = !result.GetValue(noOffload);

            using var a = OpenTap(names[0], offloads);
            TapLink b;
            try
            {
                b = OpenTap(names[1], offloads);
            }
            catch
            {
                a.Dispose();
                throw;
            }
            using var path = new PathEmulator(a, b, forward, backward, seedValue);
            if (result.GetValue(verbose))
            {
                context.Error.WriteLine($"{names[0]} -> {names[1]}: {Describe(forward)}");
                context.Error.WriteLine($"{names[1]} -> {names[0]}: {Describe(backward)}");
                context.Error.WriteLine($"seed {seedValue}");
            }
            context.Out.WriteLine($"path-emulator: {names[0]} <-> {names[1]} running");
            context.Out.Flush();
            await Task.Factory.StartNew(() => path.Run(cancellationToken: cancellationToken), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            if (result.GetValue(verbose))
            {
                context.Error.WriteLine($"{names[0]} -> {names[1]}: {path.AToB}");
                context.Error.WriteLine($"{names[1]} -> {names[0]}: {path.BToA} refused {path.RefusedByA}");
            }
            return ExitCodes.Ok;
        }, cancellationToken));
        return command;
    }

    /// <summary>One line for a direction's options, e.g. "rate 100 Mbit/s, queue 20 ms, delay 10 ms, loss 1%".</summary>
    internal static string Describe(FaultOptions options)
    {
        var parts = new List<string>();
        var c = CultureInfo.InvariantCulture;
        if (options.RateBitsPerSecond > 0)
            parts.Add(string.Create(c, $"rate {options.RateBitsPerSecond / 1e6:0.###} Mbit/s"));
        if (options.QueueBytes > 0)
            parts.Add(string.Create(c, $"queue {options.QueueBytes} octets"));
        if (options.QueueTime > TimeSpan.Zero)
            parts.Add(string.Create(c, $"queue {options.QueueTime.TotalMilliseconds:0.###} ms"));
        if (options.EcnThresholdBytes > 0)
            parts.Add(string.Create(c, $"ECN mark above {options.EcnThresholdBytes} octets"));
        if (options.EcnThresholdTime > TimeSpan.Zero)
            parts.Add(string.Create(c, $"ECN mark above {options.EcnThresholdTime.TotalMilliseconds:0.###} ms"));
        if (options.Delay > TimeSpan.Zero)
            parts.Add(string.Create(c, $"delay {options.Delay.TotalMilliseconds:0.###} ms"));
        if (options.Jitter > TimeSpan.Zero)
            parts.Add(string.Create(c, $"jitter {options.Jitter.TotalMilliseconds:0.###} ms"));
        if (options.Loss > 0)
            parts.Add(string.Create(c, $"loss {options.Loss * 100:0.###}%"));
        if (options.Duplicate > 0)
            parts.Add(string.Create(c, $"duplicate {options.Duplicate * 100:0.###}%"));
        if (options.Reorder > 0)
            parts.Add(string.Create(c, $"reorder {options.Reorder * 100:0.###}%"));
        if (options.Corrupt > 0)
            parts.Add(string.Create(c, $"corrupt {options.Corrupt * 100:0.###}%"));
        if (options.BlackHoleMtu > 0)
            parts.Add(string.Create(c, $"black hole above MTU {options.BlackHoleMtu}"));
        return parts.Count == 0 ? "a plain wire" : string.Join(", ", parts);
    }

    private static TapLink OpenTap(string name, bool offloads)
    {
        try
        {
            return new TapLink(name, offloads: offloads);
        }
        catch (LinkException e)
        {
            throw e.Errno switch
            {
                ErrnoPermission or ErrnoAccess => new CliException($"opening TAP device {name} needs root or CAP_NET_ADMIN (or a persistent TAP owned by you)"),
                ErrnoBusy => new CliException($"TAP device {name} is busy (another program has it open)"),
                _ => new CliException($"cannot open TAP device {name}: {e.Message.TrimEnd('.')}"),
            };
        }
    }

    private static void CheckDeviceName(string name)
    {
        if (name.Length == 0)
            throw CliException.Usage("--tap needs a device name");
        if (name.Length > 15)
            throw CliException.Usage($"interface name '{name}' in --tap is longer than 15 characters");
        if (name.IndexOfAny(['/', ' ', ':', '\0']) >= 0 || name is "." or "..")
            throw CliException.Usage($"'{name}' in --tap is not a valid interface name");
    }
}
