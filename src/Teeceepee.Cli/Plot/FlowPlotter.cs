using ScottPlot;

namespace Teeceepee.Cli.Plot;

/// <summary>
/// Draws a captured flow with ScottPlot, each figure as PNG and SVG: the time-sequence graph (Stevens, TCP/IP
/// Illustrated vol. 1), throughput over time, and round-trip time over time.
/// </summary>
internal static class FlowPlotter
{
    public const int Width = 1200;
    public const int Height = 700;

    /// <summary>Writes <c>PREFIX-tseq</c>, <c>PREFIX-throughput</c> and <c>PREFIX-rtt</c> (.png and .svg); returns the paths.</summary>
    public static IReadOnlyList<string> Write(CaptureFlow flow, string prefix)
    {
        var written = new List<string>();
        string title = $"{flow.Sender} -> {flow.Receiver}";
        written.AddRange(Save(TimeSequence(flow, title), prefix + "-tseq"));
        written.AddRange(Save(Throughput(flow, title), prefix + "-throughput"));
        written.AddRange(Save(Rtt(flow, title), prefix + "-rtt"));
        return written;
    }

    /// <summary>Segments as vertical bars from their first to their last octet, retransmissions in red, the ACK line, the window's right edge and SACK blocks.</summary>
    public static ScottPlot.Plot TimeSequence(CaptureFlow flow, string title)
    {
        var plot = new ScottPlot.Plot();
        var sent = new Bars();
        var resent = new Bars();
        foreach (var s in flow.Segments)
            (s.Retransmission ? resent : sent).Add(s.Time, s.Seq, s.End);
        var acks = new Steps();
        var window = new Steps();
        var sack = new Bars();
        foreach (var a in flow.Acks)
        {
            acks.Add(a.Time, a.Ack);
            window.Add(a.Time, a.WindowEdge);
            foreach (var (left, right) in a.Sack)
                sack.Add(a.Time, left, right);
        }
        window.Draw(plot, "receive window", Colors.Orange, 1);
        acks.Draw(plot, "ACK", Colors.Green, 1.5f);
        sack.Draw(plot, "SACK blocks", Colors.Purple, 3);
        sent.Draw(plot, "data", Colors.Blue, 1.5f);
        resent.Draw(plot, $"retransmissions ({flow.Retransmissions})", Colors.Red, 3);
        if (resent.Count > 0)
        {
            var marks = plot.Add.Markers(resent.TopXs.ToArray(), resent.TopYs.ToArray(), MarkerShape.OpenCircle, 8, Colors.Red);
            marks.LegendText = "";
        }
        Label(plot, $"time-sequence: {title}", "time (s)", "relative sequence number (octets)");
        return plot;
    }

    /// <summary>Octets acknowledged per interval (goodput) and sent per interval, in Mbit/s.</summary>
    public static ScottPlot.Plot Throughput(CaptureFlow flow, string title)
    {
        var plot = new ScottPlot.Plot();
        double end = Math.Max(flow.Segments.Count > 0 ? flow.Segments[^1].Time : 0, flow.Acks.Count > 0 ? flow.Acks[^1].Time : 0);
        double bin = Math.Max(end / 60, 0.001);
        int bins = (int)Math.Ceiling(end / bin) + 1;
        var acked = new double[bins];
        var sent = new double[bins];
        long last = long.MinValue;
        foreach (var a in flow.Acks)
        {
            if (last != long.MinValue && a.Ack > last)
                acked[(int)(a.Time / bin)] += a.Ack - last;
            last = Math.Max(last, a.Ack);
        }
        foreach (var s in flow.Segments)
            sent[(int)(s.Time / bin)] += s.Length;
        var xs = new double[bins];
        for (int i = 0; i < bins; i++)
        {
            xs[i] = (i + 0.5) * bin;
            acked[i] = acked[i] * 8 / bin / 1e6;
            sent[i] = sent[i] * 8 / bin / 1e6;
        }
        var sentLine = plot.Add.ScatterLine(xs, sent, Colors.Gray);
        sentLine.LegendText = "sent";
        var ackedLine = plot.Add.ScatterLine(xs, acked, Colors.Blue);
        ackedLine.LegendText = "acknowledged (goodput)";
        ackedLine.LineWidth = 2;
        Label(plot, $"throughput: {title} ({bin * 1000:0.#} ms bins)", "time (s)", "Mbit/s");
        return plot;
    }

    /// <summary>One point per round-trip sample (data segment to the first ACK covering it, Karn's rule).</summary>
    public static ScottPlot.Plot Rtt(CaptureFlow flow, string title)
    {
        var plot = new ScottPlot.Plot();
        var xs = flow.RttSamples.Select(s => s.Time).ToArray();
        var ys = flow.RttSamples.Select(s => s.Seconds * 1000).ToArray();
        if (xs.Length > 0)
        {
            var points = plot.Add.ScatterPoints(xs, ys, Colors.Blue);
            points.LegendText = $"RTT samples ({xs.Length})";
        }
        Label(plot, $"round-trip time: {title}", "time (s)", "RTT (ms)");
        return plot;
    }

    /// <summary>Titles, labels and the legend.</summary>
    public static void Label(ScottPlot.Plot plot, string title, string x, string y)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(Alignment.UpperLeft);
    }

    /// <summary>Saves PNG and SVG; returns both paths.</summary>
    public static string[] Save(ScottPlot.Plot plot, string pathWithoutExtension)
    {
        string png = pathWithoutExtension + ".png";
        string svg = pathWithoutExtension + ".svg";
        plot.SavePng(png, Width, Height);
        plot.SaveSvg(svg, Width, Height);
        return [png, svg];
    }

    /// <summary>Vertical bars as one scatter with gaps (NaN), so a million segments stay one plottable.</summary>
    private sealed class Bars
    {
        private readonly List<double> _xs = [];
        private readonly List<double> _ys = [];

        public int Count { get; private set; }
        public List<double> TopXs { get; } = [];
        public List<double> TopYs { get; } = [];

        public void Add(double x, double from, double to)
        {
            _xs.Add(x);
            _ys.Add(from);
            _xs.Add(x);
            _ys.Add(to);
            _xs.Add(double.NaN);
            _ys.Add(double.NaN);
            TopXs.Add(x);
            TopYs.Add(to);
            Count++;
        }

        public void Draw(ScottPlot.Plot plot, string label, Color color, float width)
        {
            if (Count == 0)
                return;
            var line = plot.Add.ScatterLine(_xs.ToArray(), _ys.ToArray(), color);
            line.LineWidth = width;
            line.LegendText = label;
        }
    }

    /// <summary>A step line: each value holds until the next one.</summary>
    private sealed class Steps
    {
        private readonly List<double> _xs = [];
        private readonly List<double> _ys = [];

        public void Add(double x, double y)
        {
            if (_ys.Count > 0)
            {
                _xs.Add(x);
                _ys.Add(_ys[^1]);
            }
            _xs.Add(x);
            _ys.Add(y);
        }

        public void Draw(ScottPlot.Plot plot, string label, Color color, float width)
        {
            if (_xs.Count == 0)
                return;
            var line = plot.Add.ScatterLine(_xs.ToArray(), _ys.ToArray(), color);
            line.LineWidth = width;
            line.LegendText = label;
        }
    }
}
