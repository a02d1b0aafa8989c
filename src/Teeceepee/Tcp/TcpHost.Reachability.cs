using Teeceepee.Wire;

namespace Teeceepee.Tcp;

public sealed partial class TcpHost
{
    /// <summary>
    /// Whether a connection whose remote address matches <paramref name="remoteMatches"/> received an acceptable segment
    /// at or after <paramref name="since"/>: the upper-layer reachability hint of RFC 4861 §7.3.1 (the peer answered what
    /// we sent, so the neighbour on its path is reachable). Walks every connection; the neighbour cache asks once per
    /// entry leaving DELAY (every ~35 s per busy neighbour), never per segment.
    /// </summary>
    public bool AnyAcceptableSegmentSince(Instant since, Func<NetAddress, bool> remoteMatches)
    {
        foreach (var tcb in _connections.Values)
        {
            if (tcb.LastAcceptableSegmentAt >= since && tcb.State >= TcpState.SynReceived && remoteMatches(tcb.RemoteAddress))
                return true;
        }
        return false;
    }
}
