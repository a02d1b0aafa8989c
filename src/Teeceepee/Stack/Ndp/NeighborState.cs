namespace Teeceepee.Stack.Ndp;

/// <summary>The reachability states of a neighbour cache entry (RFC 4861 §7.3.2).</summary>
internal enum NeighborState
{
    /// <summary>Address resolution is under way: solicitations sent, no answer yet.</summary>
    Incomplete,
    /// <summary>Known reachable within the last reachable time.</summary>
    Reachable,
    /// <summary>No recent confirmation; nothing is done until a packet is sent to it.</summary>
    Stale,
    /// <summary>A packet was sent to a stale entry: waiting for upper layers to confirm before probing.</summary>
    Delay,
    /// <summary>Unicast solicitations are being sent to confirm reachability.</summary>
    Probe,
}
