using Teeceepee.Tcp;

namespace Teeceepee.Stack;

/// <summary>
/// The live counters of one stack. Written only by the loop thread (plain increments, no locks);
/// read by <see cref="Snapshot"/> and the metrics callbacks from any thread (64-bit reads are atomic).
/// </summary>
internal sealed class StackCounters
{
    public long FramesIn;
    public long FramesOut;
    public long BytesIn;
    public long BytesOut;
    public long ArpRequestsIn;
    public long ArpRepliesIn;
    public long ArpRequestsOut;
    public long ArpRepliesOut;
    public long IPv4PacketsIn;
    public long IPv4PacketsOut;
    public long FragmentsIn;
    public long FragmentsOut;
    public long DatagramsReassembled;
    public long DatagramsFragmented;
    public long UdpDatagramsIn;
    public long UdpDatagramsOut;
    public long TcpSegmentsIn;
    public long TcpSegmentsOut;
    public long SuperFramesOut;
    public long IPv6PacketsIn;
    public long IPv6PacketsOut;
    public long IPv6FragmentsIn;
    public long IPv6FragmentsOut;
    public long IPv6DatagramsReassembled;
    public long MldReportsOut;
    public long DuplicateAddresses;
    public long LinkFramesIn;
    public long FramesHandedOver;
    public long FramesTakenOver;
    public readonly long[] Icmpv6In = new long[256];
    public readonly long[] Icmpv6Out = new long[256];
    public readonly long[] IcmpIn = new long[256];
    public readonly long[] IcmpOut = new long[256];
    public readonly long[] Drops = new long[256];
    public readonly long[] TcpDrops = new long[TcpDropCounts.Size];

    /// <summary>Copies every counter.</summary>
    public NetworkStackStats Snapshot() => new()
    {
        FramesIn = Volatile.Read(ref FramesIn),
        FramesOut = Volatile.Read(ref FramesOut),
        BytesIn = Volatile.Read(ref BytesIn),
        BytesOut = Volatile.Read(ref BytesOut),
        ArpRequestsIn = Volatile.Read(ref ArpRequestsIn),
        ArpRepliesIn = Volatile.Read(ref ArpRepliesIn),
        ArpRequestsOut = Volatile.Read(ref ArpRequestsOut),
        ArpRepliesOut = Volatile.Read(ref ArpRepliesOut),
        IPv4PacketsIn = Volatile.Read(ref IPv4PacketsIn),
        IPv4PacketsOut = Volatile.Read(ref IPv4PacketsOut),
        FragmentsIn = Volatile.Read(ref FragmentsIn),
        FragmentsOut = Volatile.Read(ref FragmentsOut),
        DatagramsReassembled = Volatile.Read(ref DatagramsReassembled),
        DatagramsFragmented = Volatile.Read(ref DatagramsFragmented),
        UdpDatagramsIn = Volatile.Read(ref UdpDatagramsIn),
        UdpDatagramsOut = Volatile.Read(ref UdpDatagramsOut),
        TcpSegmentsIn = Volatile.Read(ref TcpSegmentsIn),
        TcpSegmentsOut = Volatile.Read(ref TcpSegmentsOut),
        SuperFramesOut = Volatile.Read(ref SuperFramesOut),
        IPv6PacketsIn = Volatile.Read(ref IPv6PacketsIn),
        IPv6PacketsOut = Volatile.Read(ref IPv6PacketsOut),
        IPv6FragmentsIn = Volatile.Read(ref IPv6FragmentsIn),
        IPv6FragmentsOut = Volatile.Read(ref IPv6FragmentsOut),
        IPv6DatagramsReassembled = Volatile.Read(ref IPv6DatagramsReassembled),
        MldReportsOut = Volatile.Read(ref MldReportsOut),
        DuplicateAddresses = Volatile.Read(ref DuplicateAddresses),
        LinkFramesIn = Volatile.Read(ref LinkFramesIn),
        FramesHandedOver = Volatile.Read(ref FramesHandedOver),
        FramesTakenOver = Volatile.Read(ref FramesTakenOver),
        Icmpv6In = new IcmpCounts((long[])Icmpv6In.Clone()),
        Icmpv6Out = new IcmpCounts((long[])Icmpv6Out.Clone()),
        IcmpIn = new IcmpCounts((long[])IcmpIn.Clone()),
        IcmpOut = new IcmpCounts((long[])IcmpOut.Clone()),
        Drops = new DropCounts((long[])Drops.Clone()),
        TcpDrops = new TcpDropCounts((long[])TcpDrops.Clone()),
    };
}
