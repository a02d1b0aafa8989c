using System.Diagnostics.Metrics;
using Teeceepee.Tcp;

namespace Teeceepee.Stack;

/// <summary>
/// The <c>System.Diagnostics.Metrics</c> view of every live stack's counters (Meter "Teeceepee").
/// Instruments are observable: the per-packet path only bumps plain fields, and a listener's
/// collection reads them, tagged with the stack's name.
/// </summary>
internal static class StackMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Teeceepee";

    private static readonly Lock s_lock = new();
    private static readonly List<(string Name, StackCounters Counters, TcpHost? Tcp)> s_stacks = [];
    private static readonly Meter s_meter = new(MeterName);
    private static readonly Histogram<double> s_rtt = s_meter.CreateHistogram<double>("teeceepee.tcp.rtt", "s",
        "Round-trip samples of TCP connections (RFC 6298)", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        });

    // Snake-case state names for the connections gauge, indexed by TcpState.
    private static readonly string[] s_stateNames =
        ["closed", "listen", "syn_sent", "syn_received", "established", "fin_wait_1", "fin_wait_2", "close_wait", "closing", "last_ack", "time_wait"];

    static StackMetrics()
    {
        s_meter.CreateObservableCounter("teeceepee.link.frames", () => Collect(static (c, add) =>
        {
            add(c.FramesIn, "direction", "in");
            add(c.FramesOut, "direction", "out");
        }), "{frame}", "Frames received from and sent to the link");
        s_meter.CreateObservableCounter("teeceepee.link.bytes", () => Collect(static (c, add) =>
        {
            add(c.BytesIn, "direction", "in");
            add(c.BytesOut, "direction", "out");
        }), "By", "Octets received from and sent to the link");
        s_meter.CreateObservableCounter("teeceepee.arp.messages", () => Collect(static (c, add) =>
        {
            add(c.ArpRequestsIn, "kind", "request_in");
            add(c.ArpRepliesIn, "kind", "reply_in");
            add(c.ArpRequestsOut, "kind", "request_out");
            add(c.ArpRepliesOut, "kind", "reply_out");
        }), "{message}", "ARP requests and replies");
        s_meter.CreateObservableCounter("teeceepee.ipv4.packets", () => Collect(static (c, add) =>
        {
            add(c.IPv4PacketsIn, "direction", "in");
            add(c.IPv4PacketsOut, "direction", "out");
        }), "{packet}", "IPv4 packets");
        s_meter.CreateObservableCounter("teeceepee.ipv4.fragments", () => Collect(static (c, add) =>
        {
            add(c.FragmentsIn, "kind", "in");
            add(c.FragmentsOut, "kind", "out");
            add(c.DatagramsReassembled, "kind", "reassembled");
            add(c.DatagramsFragmented, "kind", "fragmented");
        }), "{packet}", "IPv4 fragmentation and reassembly");
        s_meter.CreateObservableCounter("teeceepee.icmp.messages", () => Collect(static (c, add) =>
        {
            for (int t = 0; t < 256; t++)
            {
                if (c.IcmpIn[t] != 0)
                    add(c.IcmpIn[t], "type_in", t.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (c.IcmpOut[t] != 0)
                    add(c.IcmpOut[t], "type_out", t.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }), "{message}", "ICMP messages by type and direction");
        s_meter.CreateObservableCounter("teeceepee.udp.datagrams", () => Collect(static (c, add) =>
        {
            add(c.UdpDatagramsIn, "direction", "in");
            add(c.UdpDatagramsOut, "direction", "out");
        }), "{datagram}", "UDP datagrams delivered and sent");
        s_meter.CreateObservableCounter("teeceepee.tcp.segments", () => Collect(static (c, add) =>
        {
            add(c.TcpSegmentsIn, "direction", "in");
            add(c.TcpSegmentsOut, "direction", "out");
        }), "{segment}", "TCP segments");
        s_meter.CreateObservableCounter("teeceepee.drops", () => Collect(static (c, add) =>
        {
            for (int r = 0; r < 256; r++)
            {
                if (c.Drops[r] != 0)
                    add(c.Drops[r], "reason", ((DropReason)r).ToString());
            }
        }), "{packet}", "Frames and packets dropped, by reason");
        s_meter.CreateObservableCounter("teeceepee.tcp.drops", () => Collect(static (c, add) =>
        {
            for (int r = 0; r < c.TcpDrops.Length; r++)
            {
                if (c.TcpDrops[r] != 0)
                    add(c.TcpDrops[r], "reason", ((Teeceepee.Tcp.TcpDropReason)r).ToString());
            }
        }), "{segment}", "TCP segments dropped, by reason");
        s_meter.CreateObservableGauge("teeceepee.tcp.connections", () => CollectTcp(static (t, add) =>
        {
            // CLOSED connections are only waiting to be swept: not open.
            for (var state = TcpState.Listen; state <= TcpState.TimeWait; state++)
                add(t.CountInState(state), "state", s_stateNames[(int)state]);
        }), "{connection}", "Open TCP connections by state");
        s_meter.CreateObservableCounter("teeceepee.tcp.retransmissions", () => CollectTcp(static (t, add) =>
            add(t.Retransmissions, "kind", "segment")), "{segment}", "TCP segments retransmitted");
        s_meter.CreateObservableCounter("teeceepee.tcp.resets", () => CollectTcp(static (t, add) =>
        {
            add(t.ResetSegmentsSent, "direction", "out");
            add(t.ResetSegmentsReceived, "direction", "in");
        }), "{segment}", "TCP resets sent and received");
    }

    /// <summary>Adds a stack's counters (and its TCP host's) to the instruments.</summary>
    public static void Register(string name, StackCounters counters, TcpHost? tcp = null)
    {
        lock (s_lock)
            s_stacks.Add((name, counters, tcp));
    }

    /// <summary>Records one TCP round-trip sample (loop thread; nothing is allocated, nothing done without a listener).</summary>
    public static void RecordRtt(string stack, TimeSpan rtt)
    {
        if (s_rtt.Enabled)
            s_rtt.Record(rtt.TotalSeconds, new KeyValuePair<string, object?>("stack", stack));
    }

    /// <summary>The gauge's name for a TCP state (<c>established</c>, <c>time_wait</c>...).</summary>
    public static string StateName(TcpState state) => s_stateNames[(int)state];

    /// <summary>Removes a stack's counters.</summary>
    public static void Unregister(StackCounters counters)
    {
        lock (s_lock)
            s_stacks.RemoveAll(s => ReferenceEquals(s.Counters, counters));
    }

    private static List<Measurement<long>> CollectTcp(Action<TcpHost, Action<long, string, string>> read)
    {
        var result = new List<Measurement<long>>();
        lock (s_lock)
        {
            foreach (var (name, _, tcp) in s_stacks)
            {
                if (tcp is null)
                    continue;
                read(tcp, (value, key, tag) => result.Add(new Measurement<long>(value,
                    new KeyValuePair<string, object?>("stack", name), new KeyValuePair<string, object?>(key, tag))));
            }
        }
        return result;
    }

    private static List<Measurement<long>> Collect(Action<StackCounters, Action<long, string, string>> read)
    {
        var result = new List<Measurement<long>>();
        lock (s_lock)
        {
            foreach (var (name, counters, _) in s_stacks)
            {
                read(counters, (value, key, tag) => result.Add(new Measurement<long>(value,
                    new KeyValuePair<string, object?>("stack", name), new KeyValuePair<string, object?>(key, tag))));
            }
        }
        return result;
    }
}
