namespace Teeceepee.Stack;

/// <summary>A snapshot of ICMP message counters in one direction, indexed by ICMP type (RFC 792).</summary>
public sealed class IcmpCounts
{
    private readonly long[] _counts;

    internal IcmpCounts(long[] counts) => _counts = counts;

    /// <summary>Messages of ICMP type <paramref name="type"/>.</summary>
    public long this[byte type] => _counts[type];

    /// <summary>Echo replies (type 0).</summary>
    public long EchoReplies => _counts[0];

    /// <summary>Destination unreachable (type 3).</summary>
    public long DestinationUnreachable => _counts[3];

    /// <summary>Echo requests (type 8).</summary>
    public long EchoRequests => _counts[8];

    /// <summary>Time exceeded (type 11).</summary>
    public long TimeExceeded => _counts[11];

    /// <summary>All ICMP messages.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            foreach (long c in _counts)
                total += c;
            return total;
        }
    }
}
