using System.CommandLine;

namespace Teeceepee.Cli.Options;

/// <summary>
/// One direction's path options for <c>path-emulator</c> (<c>--rate --queue --delay --jitter --loss ...</c>), under a
/// prefix: none for both directions, <c>ab-</c> for A to B, <c>ba-</c> for B to A. Read into a <see cref="Links.FaultOptions"/>.
/// </summary>
internal sealed class PathOptionSet
{
    private const string ProbabilityHelp = " (a fraction like 0.02 or a percentage like 2%)";
    private const string SizeHelp = " (octets like 64kb, or milliseconds at the rate like 20ms)";

    public PathOptionSet(string prefix, string scope)
    {
        Rate = new($"--{prefix}rate") { Description = $"Bottleneck rate {scope}, like 100mbit or 1gbit", HelpName = "RATE" };
        Queue = new($"--{prefix}queue") { Description = $"Drop-tail queue at the bottleneck {scope}" + SizeHelp, HelpName = "SIZE" };
        Delay = new($"--{prefix}delay") { Description = $"One-way delay {scope} in milliseconds", HelpName = "MS" };
        Jitter = new($"--{prefix}jitter") { Description = $"Delay varies by up to this many milliseconds either side {scope} (order is kept)", HelpName = "MS" };
        Loss = new($"--{prefix}loss") { Description = $"Drop this share of frames {scope}" + ProbabilityHelp, HelpName = "P" };
        Duplicate = new($"--{prefix}duplicate") { Description = $"Duplicate this share of frames {scope}" + ProbabilityHelp, HelpName = "P" };
        Reorder = new($"--{prefix}reorder") { Description = $"Hold back this share of frames by 1 ms {scope}" + ProbabilityHelp, HelpName = "P" };
        Corrupt = new($"--{prefix}corrupt") { Description = $"Flip a bit in this share of frames {scope}" + ProbabilityHelp, HelpName = "P" };
        EcnThreshold = new($"--{prefix}ecn-threshold") { Description = $"Mark ECN-capable packets CE when more than this waits at the bottleneck {scope}" + SizeHelp, HelpName = "SIZE" };
        BlackHoleMtu = new($"--{prefix}blackhole-mtu") { Description = $"Silently drop IP packets longer than N octets {scope} (an ICMP black hole)", HelpName = "N" };
    }

    public Option<string?> Rate { get; }
    public Option<string?> Queue { get; }
    public Option<string?> Delay { get; }
    public Option<string?> Jitter { get; }
    public Option<string?> Loss { get; }
    public Option<string?> Duplicate { get; }
    public Option<string?> Reorder { get; }
    public Option<string?> Corrupt { get; }
    public Option<string?> EcnThreshold { get; }
    public Option<string?> BlackHoleMtu { get; }

    private IEnumerable<Option<string?>> All() => [Rate, Queue, Delay, Jitter, Loss, Duplicate, Reorder, Corrupt, EcnThreshold, BlackHoleMtu];

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All())
            command.Options.Add(option);
    }

    /// <summary>Reads the options given over <paramref name="start"/> (what applies to both directions). Throws <see cref="CliException"/> (usage).</summary>
    public Links.FaultOptions Read(ParseResult result, Links.FaultOptions start)
    {
        var options = start;
        if (result.GetValue(Rate) is { } rate)
            options = options with { RateBitsPerSecond = PathValueParsers.TryParseRate(rate, Rate.Name, out long bps, out var error) ? bps : throw CliException.Usage(error) };
        if (result.GetValue(Queue) is { } queue)
        {
            if (!PathValueParsers.TryParseQueue(queue, Queue.Name, out long bytes, out var time, out var error))
                throw CliException.Usage(error);
            options = options with { QueueBytes = bytes, QueueTime = time };
        }
        if (result.GetValue(EcnThreshold) is { } threshold)
        {
            if (!PathValueParsers.TryParseQueue(threshold, EcnThreshold.Name, out long bytes, out var time, out var error))
                throw CliException.Usage(error);
            options = options with { EcnThresholdBytes = bytes, EcnThresholdTime = time };
        }
        if (ReadInt(result, Delay, 0, 60_000) is int delay)
            options = options with { Delay = TimeSpan.FromMilliseconds(delay) };
        if (ReadInt(result, Jitter, 0, 60_000) is int jitter)
            options = options with { Jitter = TimeSpan.FromMilliseconds(jitter) };
        if (ReadInt(result, BlackHoleMtu, 68, 65535) is int mtu)
            options = options with { BlackHoleMtu = mtu };
        if (ReadProbability(result, Loss) is double loss)
            options = options with { Loss = loss };
        if (ReadProbability(result, Duplicate) is double duplicate)
            options = options with { Duplicate = duplicate };
        if (ReadProbability(result, Reorder) is double reorder)
            options = options with { Reorder = reorder };
        if (ReadProbability(result, Corrupt) is double corrupt)
            options = options with { Corrupt = corrupt };
        return options;
    }

    /// <summary>A queue or ECN threshold without a rate is a usage error (nothing queues without a bottleneck).</summary>
    public static void CheckNeedsRate(Links.FaultOptions options, string queueOption, string ecnOption, string rateOption)
    {
        if (options.RateBitsPerSecond > 0)
            return;
        if (options.QueueBytes > 0 || options.QueueTime > TimeSpan.Zero)
            throw CliException.Usage($"{queueOption} needs {rateOption}: a queue only fills behind a bottleneck");
        if (options.EcnThresholdBytes > 0 || options.EcnThresholdTime > TimeSpan.Zero)
            throw CliException.Usage($"{ecnOption} needs {rateOption}: marking depends on the queue behind a bottleneck");
    }

    private static int? ReadInt(ParseResult result, Option<string?> option, int min, int max)
    {
        string? text = result.GetValue(option);
        if (text is null)
            return null;
        return ValueParsers.TryParseInt(text, option.Name, min, max, out int value, out var error) ? value : throw CliException.Usage(error);
    }

    private static double? ReadProbability(ParseResult result, Option<string?> option)
    {
        string? text = result.GetValue(option);
        if (text is null)
            return null;
        return ValueParsers.TryParseProbability(text, option.Name, out double value, out var error) ? value : throw CliException.Usage(error);
    }
}
