using System.CommandLine;
using Teeceepee.Cli.Network;
using Teeceepee.Cli.Options;

namespace Teeceepee.Cli.Commands;

/// <summary>Helpers shared by the command definitions.</summary>
internal static class CommandSupport
{
    /// <summary>Validates the link options and builds the network (traces to stderr with -v).</summary>
    public static async ValueTask<INetwork> OpenNetworkAsync(CliContext context, LinkOptionSet linkSet, ParseResult result, CancellationToken cancellationToken)
    {
        var link = linkSet.Read(result, context.Probe, requireLink: true);
        return await context.Networks.CreateAsync(link, link.Verbose ? context.Error : null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads an optional string option as seconds.</summary>
    public static TimeSpan? ReadSeconds(ParseResult result, Option<string?> option)
    {
        string? text = result.GetValue(option);
        if (text is null)
            return null;
        return ValueParsers.TryParseSeconds(text, option.Name, out var value, out var error) ? value : throw CliException.Usage(error);
    }

    /// <summary>Reads an optional integer option in a range.</summary>
    public static int? ReadInt(ParseResult result, Option<string?> option, int min, int max)
    {
        string? text = result.GetValue(option);
        if (text is null)
            return null;
        return ValueParsers.TryParseInt(text, option.Name, min, max, out int value, out var error) ? value : throw CliException.Usage(error);
    }
}
