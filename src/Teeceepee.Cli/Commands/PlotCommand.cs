using System.CommandLine;
using System.Globalization;
using Teeceepee.Cli.Plot;

namespace Teeceepee.Cli.Commands;

/// <summary>
/// <c>teeceepee plot CAPTURE.pcap -o DIR</c>: per TCP connection and direction that carried data, a time-sequence
/// graph (data, retransmissions, ACKs, SACK blocks, receive window), throughput and RTT over time, as PNG and SVG.
/// </summary>
internal static class PlotCommand
{
    public const string Name = "plot";

    public static Command Create(CliContext context)
    {
        var capture = new Argument<string>("CAPTURE") { Description = "A classic pcap file (Ethernet or raw IP), e.g. from --pcap or tcpdump -w" };
        var output = new Option<string?>("--output", "-o") { Description = "Directory for the plots (created; default: the current directory)", HelpName = "DIR" };
        var command = new Command(Name, "Plot every TCP connection in a capture: time-sequence (Stevens) graph, throughput and RTT, as PNG and SVG");
        command.Arguments.Add(capture);
        command.Options.Add(output);
        command.SetAction((result, cancellationToken) => CliApp.GuardAsync(context, Name, () =>
            Task.FromResult(Run(context, result.GetValue(capture)!, result.GetValue(output) ?? "."))
        , cancellationToken));
        return command;
    }

    /// <summary>Reads, analyses and plots; one line per flow on stdout.</summary>
    internal static int Run(CliContext context, string path, string directory)
    {
        if (!File.Exists(path))
            throw CliException.Usage($"no such capture file: {path}");
        PcapReader capture;
        try
        {
            capture = PcapReader.Read(path);
        }
        catch (InvalidDataException e)
        {
            throw CliException.Usage($"{path}: {e.Message}");
        }
        var analysis = TcpCaptureAnalyzer.Analyze(capture);
        if (capture.Truncated)
            context.Error.WriteLine($"{CliApp.Name} {Name}: {path} ends inside a frame (cut short); plotting the {capture.Records.Count} frames before it");
        if (analysis.Connections.Count == 0)
            throw new CliException($"{path}: no TCP segments in {capture.Records.Count} frames");
        Directory.CreateDirectory(directory);
        int files = 0;
        foreach (var connection in analysis.Connections)
        {
            foreach (var (flow, tag) in new[] { (connection.Forward, "fwd"), (connection.Reverse, "rev") })
            {
                if (flow.PayloadBytes == 0)
                    continue;
                string prefix = Path.Combine(directory, $"conn{connection.Number}-{tag}-{Safe(flow.Sender)}-{Safe(flow.Receiver)}");
                files += FlowPlotter.Write(flow, prefix).Count;
                double medianRtt = Median(flow.RttSamples.Select(s => s.Seconds));
                string median = double.IsNaN(medianRtt) ? "" : string.Create(CultureInfo.InvariantCulture, $" (median {medianRtt * 1000:0.###} ms)");
                context.Out.WriteLine($"conn{connection.Number} {flow.Sender} -> {flow.Receiver}: {flow.PayloadBytes} octets in {flow.Segments.Count} segments, {flow.Retransmissions} retransmissions, {flow.RttSamples.Count} RTT samples{median}");
            }
        }
        context.Out.WriteLine($"plot: {files} files in {Path.GetFullPath(directory)} ({analysis.TcpSegments} TCP segments, {analysis.OtherFrames} other frames, {analysis.Unparsed} unparsed)");
        return ExitCodes.Ok;
    }

    private static string Safe(string endpoint) => endpoint.Replace(':', '_');

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
