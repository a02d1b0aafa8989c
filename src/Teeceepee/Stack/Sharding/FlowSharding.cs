using System.Buffers.Binary;
using Teeceepee.Links;
using Teeceepee.Wire;

namespace Teeceepee.Stack.Sharding;

/// <summary>
/// Which loop of a <see cref="NetworkStackGroup"/> owns what (issue 13 item 4). A function of the packet and of the
/// queue it came in on, so no table is shared between loops and no lock sits on the per-packet path:
/// <list type="bullet">
/// <item>a TCP flow whose local port is ephemeral (one we connected from) belongs to the loop whose slice of the
/// ephemeral range holds that port: each loop allocates its connects' ports from its own slice, so ports never
/// collide and a connect's flow stays with the loop that made it;</item>
/// <item>any other TCP flow (to a listener) belongs to the loop whose queue it arrives on, the one that read its SYN
/// (<see cref="Receiver"/>, like <c>SO_REUSEPORT</c>): without a steering program the TAP picks a flow's queue by a
/// symmetric flow hash, and it learns a flow's queue from the frames we write (drivers/net/tun.c:
/// tun_automq_select_queue, tun_flow_update), and the owner writes only on its own queue, so every later frame of the
/// flow comes in there too;</item>
/// <item>ARP replies, router and neighbour advertisements and redirects go to every loop (each keeps its own
/// neighbour cache); everything else (ARP requests, ICMP, ICMPv6, UDP, fragments, IPv6 with extension headers) to
/// loop 0, the primary, which owns UDP sockets, ping and address configuration.</item>
/// </list>
/// A frame another loop owns is handed over (copied to that loop's queue, counted). The one that regularly is: the
/// kernel's SYN-ACK to a connect, which the kernel sends before it has learnt the flow's queue from our SYN.
/// </summary>
public sealed class FlowSharding
{
    /// <summary>The steering answer for a frame every loop must see.</summary>
    public const int Everyone = -1;

    /// <summary>The owner of a flow to a listener: the loop whose queue the flow arrives on.</summary>
    public const int Receiver = -2;

    /// <summary>Shards over <paramref name="count"/> loops with the ephemeral range [<paramref name="ephemeralFirst"/>, <paramref name="ephemeralLast"/>].</summary>
    public FlowSharding(int count, ushort ephemeralFirst = 49152, ushort ephemeralLast = 65535)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfZero(ephemeralFirst);
        ArgumentOutOfRangeException.ThrowIfLessThan(ephemeralLast, ephemeralFirst);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ephemeralLast - ephemeralFirst + 1);
        Count = count;
        EphemeralFirst = ephemeralFirst;
        EphemeralLast = ephemeralLast;
    }

    /// <summary>How many loops share the stack.</summary>
    public int Count { get; }

    /// <summary>The first port of the ephemeral range (RFC 6056 §3.2: 49152 by default).</summary>
    public ushort EphemeralFirst { get; }

    /// <summary>The last port of the ephemeral range.</summary>
    public ushort EphemeralLast { get; }

    private int RangeSize => EphemeralLast - EphemeralFirst + 1;

    /// <summary>The slice of the ephemeral range loop <paramref name="shard"/> allocates from (contiguous, disjoint, covering).</summary>
    public (ushort First, ushort Last) PortRange(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Count);
        // Port p (offset x) belongs to floor(x * Count / size): the slice of k starts at ceil(k * size / Count).
        int first = (shard * RangeSize + Count - 1) / Count;
        int next = ((shard + 1) * RangeSize + Count - 1) / Count;
        return ((ushort)(EphemeralFirst + first), (ushort)(EphemeralFirst + next - 1));
    }

    /// <summary>
    /// The loop that owns the TCP flow with our <paramref name="localPort"/>: the slice owner for an ephemeral port,
    /// else <see cref="Receiver"/> (the loop the flow's frames arrive on).
    /// </summary>
    public int OwnerOf(ushort localPort) =>
        Count == 1 ? 0
        : localPort >= EphemeralFirst && localPort <= EphemeralLast ? (localPort - EphemeralFirst) * Count / RangeSize
        : Receiver;

    /// <summary>
    /// The loop a received frame belongs to, or <see cref="Everyone"/>. Reads a few header fields only (the owner parses
    /// and validates the frame fully); frames too short to say go to <paramref name="self"/>, which drops them with a reason.
    /// </summary>
    public int Steer(ReadOnlySpan<byte> frame, LinkMedium medium, int self)
    {
        if (Count == 1)
            return 0;
        ReadOnlySpan<byte> ip;
        int version;
        if (medium == LinkMedium.Ethernet)
        {
            if (frame.Length < EthernetRepr.HeaderLength)
                return self;
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
            ip = frame[EthernetRepr.HeaderLength..];
            switch (type)
            {
                case (ushort)EtherType.Arp:
                    // ARP operation at octet 6 (RFC 826): a reply teaches every loop's cache; a request is answered once.
                    return ip.Length >= 8 && BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) == (ushort)ArpOperation.Reply ? Everyone : 0;
                case (ushort)EtherType.IPv4:
                    version = 4;
                    break;
                case (ushort)EtherType.IPv6:
                    version = 6;
                    break;
                default:
                    return 0;
            }
        }
        else
        {
            ip = frame;
            if (ip.Length == 0)
                return self;
            version = ip[0] >> 4;
        }
        return version == 4 ? SteerIPv4(ip, self) : version == 6 ? SteerIPv6(ip, self) : self;
    }

    private int SteerIPv4(ReadOnlySpan<byte> ip, int self)
    {
        if (ip.Length < IPv4Repr.HeaderLength)
            return self;
        int headerLength = (ip[0] & 0xF) * 4;
        // Fragments (MF or an offset, RFC 791 §3.1) are reassembled by loop 0; only whole TCP datagrams are sharded.
        if (ip[9] != (byte)IpProtocol.Tcp || (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0)
            return 0;
        if (headerLength < IPv4Repr.HeaderLength || ip.Length < headerLength + 4)
            return self;
        int owner = OwnerOf(BinaryPrimitives.ReadUInt16BigEndian(ip[(headerLength + 2)..]));
        return owner == Receiver ? self : owner;
    }

    private int SteerIPv6(ReadOnlySpan<byte> ip, int self)
    {
        const int Header = IPv6Repr.HeaderLength;
        if (ip.Length < Header + 4)
            return self;
        byte next = ip[6];
        if (next == (byte)IpProtocol.Tcp)
        {
            int owner = OwnerOf(BinaryPrimitives.ReadUInt16BigEndian(ip[(Header + 2)..]));
            return owner == Receiver ? self : owner;
        }
        // RFC 4861 §4: router advertisement 134, neighbour advertisement 136, redirect 137 teach every loop's caches.
        if (next == (byte)IpProtocol.Icmpv6 && ip[Header] is 134 or 136 or 137)
            return Everyone;
        return 0;
    }
}
