using ScottPlot;
using Teeceepee.Stack;
using Teeceepee.Tcp;

namespace Teeceepee.Cli.Plot;

/// <summary>
/// <c>--plot DIR</c>: records every connection's sender state from the stack (<see cref="ITcpProbe"/>: cwnd, ssthresh,
/// bytes in flight, smoothed RTT and each RTT sample) and at exit draws, per connection, the congestion window and the
/// round-trip times over time (PNG and SVG), and writes every sample as CSV (<c>-probe.csv</c>: the controller's phase,
/// bandwidth estimate, model min RTT, pacing and delivery rates, the peer's window) to compare with the kernel's
/// <c>ss -ti</c>.
/// </summary>
internal sealed class TcpProbeRecorder : ITcpProbe
{
    /// <summary>Samples kept per connection at most (about 40 MB for all at this cap); later ones are counted, not kept.</summary>
    public const int MaxSamplesPerConnection = 500_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<TcpFourTuple, Series> _connections = [];
    private readonly List<Series> _order = [];
    private Instant? _start;

    public TcpProbeRecorder(string directory) => Directory = directory;

    /// <summary>Where the plots go.</summary>
    public string Directory { get; }

    /// <summary>Connections seen so far.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
                return _order.Count;
        }
    }

    /// <inheritdoc />
    public void OnSample(in TcpProbeSample sample)
    {
        lock (_lock)
        {
            _start ??= sample.Time;
            if (!_connections.TryGetValue(sample.Connection, out var series))
            {
                series = new Series(_order.Count + 1, sample.Connection);
                _connections.Add(sample.Connection, series);
                _order.Add(series);
            }
            if (series.Points.Count >= MaxSamplesPerConnection)
            {
                series.Dropped++;
                return;
            }
            var info = sample.Info;
            series.Points.Add(new Point(
                (sample.Time - _start.Value).TotalSeconds,
                info.CongestionWindow,
                info.SlowStartThreshold,
                info.BytesInFlight,
                info.SmoothedRtt?.TotalMilliseconds ?? double.NaN,
                sample.RttSample?.TotalMilliseconds ?? double.NaN,
                info.CongestionPhase,
                info.BottleneckBandwidth,
                info.ModelMinRtt?.TotalMilliseconds ?? double.NaN,
                info.PacingRate,
                info.DeliveryRate,
                info.PeerWindow,
                info.Retransmits));
        }
    }

    /// <summary>Draws every connection's plots; returns the files written.</summary>
    public IReadOnlyList<string> Write()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var written = new List<string>();
        lock (_lock)
        {
            foreach (var series in _order)
            {
                if (series.Points.Count == 0)
                    continue;
                var c = series.Connection;
                string prefix = Path.Combine(Directory, $"stack-conn{series.Number}-{c.LocalAddress}_{c.LocalPort}-{c.RemoteAddress}_{c.RemotePort}");
                string title = $"{c.LocalAddress}:{c.LocalPort} -> {c.RemoteAddress}:{c.RemotePort} (stack)";
                written.AddRange(FlowPlotter.Save(Window(series, title), prefix + "-cwnd"));
                written.AddRange(FlowPlotter.Save(Rtt(series, title), prefix + "-rtt"));
                written.Add(WriteCsv(series, prefix + "-probe.csv"));
            }
        }
        return written;
    }

    // One line per sample; rates in bytes per second, times in milliseconds (the first column in seconds).
    private static string WriteCsv(Series series, string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("time_s,phase,cwnd,inflight,srtt_ms,rtt_sample_ms,bw,model_min_rtt_ms,pacing_rate,delivery_rate,peer_window,retransmits");
        var c = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var p in series.Points)
        {
            writer.WriteLine(string.Create(c, $"{p.Time:F4},{p.Phase},{p.CongestionWindow},{p.InFlight},{p.SmoothedRtt:F2},{p.RttSample:F2},{p.Bandwidth},{p.ModelMinRtt:F2},{p.PacingRate},{p.DeliveryRate},{p.PeerWindow},{p.Retransmits}"));
        }
        return path;
    }

    private static ScottPlot.Plot Window(Series series, string title)
    {
        var plot = new ScottPlot.Plot();
        var xs = series.Points.Select(p => p.Time).ToArray();
        // ssthresh starts "infinite" (RFC 5681 §3.1): not drawn until it means something.
        var ssthresh = series.Points.Select(p => p.SlowStartThreshold >= int.MaxValue / 2 ? double.NaN : p.SlowStartThreshold / 1024.0).ToArray();
        Line(plot, xs, series.Points.Select(p => p.InFlight / 1024.0).ToArray(), "bytes in flight", Colors.Gray, 1);
        Line(plot, xs, ssthresh, "ssthresh", Colors.Orange, 2);
        Line(plot, xs, series.Points.Select(p => p.CongestionWindow / 1024.0).ToArray(), "cwnd", Colors.Blue, 2);
        FlowPlotter.Label(plot, $"congestion window: {title}", "time (s)", "KiB");
        return plot;
    }

    private static ScottPlot.Plot Rtt(Series series, string title)
    {
        var plot = new ScottPlot.Plot();
        var samples = series.Points.Where(p => !double.IsNaN(p.RttSample)).ToArray();
        var smoothed = series.Points.Where(p => !double.IsNaN(p.SmoothedRtt)).ToArray();
        if (smoothed.Length > 0)
            Line(plot, smoothed.Select(p => p.Time).ToArray(), smoothed.Select(p => p.SmoothedRtt).ToArray(), "smoothed RTT", Colors.Orange, 2);
        if (samples.Length > 0)
        {
            var points = plot.Add.ScatterPoints(samples.Select(p => p.Time).ToArray(), samples.Select(p => p.RttSample).ToArray(), Colors.Blue);
            points.LegendText = $"RTT samples ({samples.Length})";
        }
        FlowPlotter.Label(plot, $"round-trip time: {title}", "time (s)", "RTT (ms)");
        return plot;
    }

    private static void Line(ScottPlot.Plot plot, double[] xs, double[] ys, string label, Color color, float width)
    {
        if (xs.Length == 0)
            return;
        var line = plot.Add.ScatterLine(xs, ys, color);
        line.LineWidth = width;
        line.LegendText = label;
    }

    private readonly record struct Point(
        double Time, int CongestionWindow, int SlowStartThreshold, int InFlight, double SmoothedRtt, double RttSample,
        string? Phase, long Bandwidth, double ModelMinRtt, long PacingRate, long DeliveryRate, long PeerWindow, long Retransmits);

    private sealed class Series(int number, TcpFourTuple connection)
    {
        public int Number { get; } = number;
        public TcpFourTuple Connection { get; } = connection;
        public List<Point> Points { get; } = [];
        public long Dropped { get; set; }
    }
}
