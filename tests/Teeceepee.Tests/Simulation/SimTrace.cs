using System.Globalization;

namespace Teeceepee.Tests.Simulations;

/// <summary>
/// Tracing switches for diagnosing a failing seed: <c>TEECEEPEE_TRACE=N</c> keeps the last N trace lines
/// (failing sweeps replay traced with 400 by default), <c>TEECEEPEE_TRACE_FRAMES=1</c> adds a line per frame.
/// </summary>
internal static class SimTrace
{
    public static int Lines { get; } =
        int.TryParse(Environment.GetEnvironmentVariable("TEECEEPEE_TRACE"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 0;

    public static bool Frames { get; } = Environment.GetEnvironmentVariable("TEECEEPEE_TRACE_FRAMES") == "1";

    /// <summary>Trace lines that mention <paramref name="port"/> (or every line when it is 0).</summary>
    public static string Tail(SimNetwork net, int port = 0)
    {
        string needle = ":" + port.ToString(CultureInfo.InvariantCulture);
        string dotted = "." + port.ToString(CultureInfo.InvariantCulture);
        var lines = net.TraceTail.Where(l => port == 0 || l.Contains(needle, StringComparison.Ordinal) || l.Contains(dotted, StringComparison.Ordinal));
        return string.Join('\n', lines);
    }
}
