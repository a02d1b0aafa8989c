using Teeceepee.Wire;

namespace Teeceepee.Tcp;

/// <summary>ICMP errors and path failures reported to the connections they concern (RFC 1122 §4.2.3.9, RFC 5927, RFC 8201).</summary>
public sealed partial class TcpHost
{
    /// <summary>
    /// The path MTU towards <paramref name="remote"/> went down (an ICMPv6 packet too big, RFC 8201): every connection to it
    /// lowers its MSS and resends what was in flight, as for an IPv4 fragmentation-needed (RFC 1191).
    /// </summary>
    public void OnPathMtuLowered(Instant now, NetAddress remote, int mtu)
    {
        foreach (var tcb in _connections.Values)
        {
            if (tcb.RemoteAddress == remote && tcb.State != TcpState.Closed)
            {
                tcb.OnIcmpError(now, TcpIcmpError.FragmentationNeeded, mtu);
                MakeReady(tcb);
            }
        }
    }

    /// <summary>
    /// An ICMP error quoting one of our segments (RFC 1122 §4.2.3.9, RFC 5927): <paramref name="quoted"/>
    /// is the quoted segment's 4-tuple from our side, <paramref name="quotedSeq"/> its sequence number when known.
    /// </summary>
    /// <returns>True when a connection took the error (false: no such connection, or a sequence number it never sent).</returns>
    public bool OnIcmpError(Instant now, TcpFourTuple quoted, TcpIcmpError kind, SeqNumber? quotedSeq = null, int nextHopMtu = 0)
    {
        if (!_connections.TryGetValue(quoted, out var tcb))
            return false;
        // RFC 5927 §4.1: ignore errors quoting data we never sent (blind ICMP attacks).
        if (quotedSeq is { } seq && !tcb.IsQuotedSequenceValid(seq))
            return false;
        tcb.OnIcmpError(now, kind, nextHopMtu);
        MakeReady(tcb);
        return true;
    }

    /// <summary>The path MTU towards a remote address (the stack's RFC 1191 / RFC 8201 caches); null: the link's. Caps each new connection's MSS.</summary>
    public Func<NetAddress, int>? PathMtuOf { get; set; }

    /// <summary>
    /// The path to every remote address <paramref name="unreachable"/> matches failed locally (neighbour
    /// resolution gave up, RFC 1122 §2.3.2.2), as if each connection had an ICMP host unreachable: connections
    /// still opening fail with <see cref="TcpError.HostUnreachable"/> (as Linux reports EHOSTUNREACH), the rest
    /// note a soft error.
    /// </summary>
    public void OnPathFailed(Instant now, Predicate<NetAddress> unreachable)
    {
        List<Tcb>? affected = null;
        foreach (var tcb in _connections.Values)
        {
            if (unreachable(tcb.RemoteAddress))
                (affected ??= []).Add(tcb);
        }
        if (affected is null)
            return;
        foreach (var tcb in affected)
        {
            tcb.OnIcmpError(now, TcpIcmpError.HostUnreachable);
            MakeReady(tcb);
        }
    }
}
