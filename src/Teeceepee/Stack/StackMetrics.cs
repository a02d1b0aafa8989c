using System.Diagnostics.Metrics;

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
    private static readonly List<(string Name, StackCounters Counters)> s_stacks = [];
    private static readonly Meter s_meter = new(MeterName);

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
    }

    /// <summary>Adds a stack's counters to the instruments.</summary>
    public static void Register(string name, StackCounters counters)
    {
        lock (s_lock)
            s_stacks.Add((name, counters));
    }

    /// <summary>Removes a stack's counters.</summary>
    public static void Unregister(StackCounters counters)
    {
        lock (s_lock)
            s_stacks.RemoveAll(s => ReferenceEquals(s.Counters, counters));
    }

    private static List<Measurement<long>> Collect(Action<StackCounters, Action<long, string, string>> read)
    {
        var result = new List<Measurement<long>>();
        lock (s_lock)
        {
            foreach (var (name, counters) in s_stacks)
            {
                read(counters, (value, key, tag) => result.Add(new Measurement<long>(value,
                    new KeyValuePair<string, object?>("stack", name), new KeyValuePair<string, object?>(key, tag))));
            }
        }
        return result;
    }
}
