using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Teeceepee.Cli.Curl;

/// <summary>
/// curl's download progress on stderr: the meter (two header lines, then one line redrawn with
/// <c>\r</c> about once a second, in curl's columns and units) or, with <c>-#</c>, the bar of 72
/// <c>#</c> and a percentage. Uploads are not metered (their columns stay 0).
/// </summary>
internal sealed class ProgressMeter
{
    /// <summary>curl's two header lines.</summary>
    public const string Header =
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n" +
        "                                 Dload  Upload   Total   Spent    Left  Speed\n";

    private const int BarWidth = 72;
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    private readonly TextWriter _error;
    private readonly bool _bar;
    private readonly Func<TimeSpan> _elapsed;
    private long? _total;
    private long _received;
    private TimeSpan _lastDraw;
    private long _lastReceived;
    private TimeSpan _lastSample;
    private double _currentSpeed;
    private bool _started;
    private bool _finished;

    /// <summary>A meter (or bar) writing to <paramref name="error"/>; <paramref name="elapsed"/> is the time since the transfer started (tests pass a fake clock).</summary>
    public ProgressMeter(TextWriter error, bool bar, Func<TimeSpan>? elapsed = null)
    {
        _error = error;
        _bar = bar;
        if (elapsed is null)
        {
            long start = Stopwatch.GetTimestamp();
            elapsed = () => Stopwatch.GetElapsedTime(start);
        }
        _elapsed = elapsed;
    }

    /// <summary>Prints the header and the first line (everything 0), as curl does when a transfer starts.</summary>
    public void Start()
    {
        if (_started)
            return;
        _started = true;
        if (!_bar)
        {
            _error.Write(Header);
            _error.Write('\r');
            _error.Write(FormatLine(null, 0, TimeSpan.Zero, 0));
        }
        _error.Flush();
    }

    /// <summary>The body's size once known (Content-Length).</summary>
    public void SetTotal(long? total) => _total = total;

    /// <summary>Counts received body bytes; redraws at most once a second.</summary>
    public void Add(long bytes)
    {
        _received += bytes;
        var now = _elapsed();
        if (now - _lastDraw < s_period)
            return;
        Draw(now);
    }

    /// <summary>Draws the final line and ends it with a newline.</summary>
    public void Finish()
    {
        if (_finished)
            return;
        Start();
        _finished = true;
        Draw(_elapsed());
        _error.Write('\n');
        _error.Flush();
    }

    private void Draw(TimeSpan now)
    {
        // Current speed over the last sample period (curl averages a few seconds; one is close enough).
        var span = now - _lastSample;
        if (span >= s_period || _currentSpeed == 0)
        {
            if (span > TimeSpan.Zero)
                _currentSpeed = (_received - _lastReceived) / span.TotalSeconds;
            _lastSample = now;
            _lastReceived = _received;
        }
        _lastDraw = now;
        _error.Write('\r');
        _error.Write(_bar ? FormatBar(_total, _received) : FormatLine(_total, _received, now, (long)_currentSpeed));
        _error.Flush();
    }

    /// <summary>One meter line (without the leading <c>\r</c>) in curl's columns.</summary>
    public static string FormatLine(long? total, long received, TimeSpan spent, long currentSpeed)
    {
        long averageSpeed = spent.TotalSeconds > 0 ? (long)(received / spent.TotalSeconds) : 0;
        int percent = total is > 0 ? (int)(received * 100 / total.Value) : total == 0 && received == 0 && spent > TimeSpan.Zero ? 100 : 0;
        long shownTotal = total ?? 0;
        TimeSpan? totalTime = total is > 0 && averageSpeed > 0 ? TimeSpan.FromSeconds((double)total.Value / averageSpeed) : null;
        TimeSpan? left = totalTime is { } t && t > spent ? t - spent : null;
        var line = new StringBuilder(80);
        line.Append(CultureInfo.InvariantCulture, $"{percent,3} {Size(shownTotal)}  {percent,3} {Size(received)}  {0,3} {Size(0)}  ");
        line.Append(CultureInfo.InvariantCulture, $"{Size(averageSpeed)}  {Size(0)} {Time(totalTime)} {Time(spent)} {Time(left)} {Size(currentSpeed)}");
        return line.ToString();
    }

    /// <summary>The <c>-#</c> bar (without the leading <c>\r</c>): 72 columns of <c>#</c> for 100 %, then the percentage.</summary>
    public static string FormatBar(long? total, long received)
    {
        double percent = total is > 0 ? Math.Min(100.0, received * 100.0 / total.Value) : total == 0 ? 100.0 : 0.0;
        int filled = (int)(percent * BarWidth / 100);
        return new string('#', filled).PadRight(BarWidth) + " " + percent.ToString("0.0", CultureInfo.InvariantCulture).PadLeft(5) + "%";
    }

    /// <summary>A size in at most five characters, as curl prints it: 12345, 2929k, 50.0M, 3247M, 12.5G.</summary>
    public static string Size(long bytes)
    {
        const long K = 1024, M = K * 1024, G = M * 1024, T = G * 1024;
        string text = bytes switch
        {
            < 100_000 => bytes.ToString(CultureInfo.InvariantCulture),
            < 10_000 * K => $"{bytes / K}k",
            < 100 * M => $"{bytes / M}.{bytes % M / (M / 10)}M",
            < 10_000 * M => $"{bytes / M}M",
            < 100 * G => $"{bytes / G}.{bytes % G / (G / 10)}G",
            < 10_000 * G => $"{bytes / G}G",
            < 10_000 * T => $"{bytes / T}T",
            _ => $"{bytes / (T * 1024)}P",
        };
        return text.PadLeft(5);
    }

    /// <summary>A duration as curl prints it in eight characters: " 0:00:07", or "--:--:--" when unknown or under a second.</summary>
    public static string Time(TimeSpan? time)
    {
        if (time is not { } t || t.TotalSeconds < 1)
            return "--:--:--";
        long seconds = (long)t.TotalSeconds;
        long hours = seconds / 3600;
        if (hours <= 99)
            return string.Create(CultureInfo.InvariantCulture, $"{hours,2}:{seconds / 60 % 60:00}:{seconds % 60:00}");
        long days = hours / 24;
        return days <= 999
            ? string.Create(CultureInfo.InvariantCulture, $"{days,3}d {hours % 24:00}h")
            : string.Create(CultureInfo.InvariantCulture, $"{days / 365,5}y");
    }
}
