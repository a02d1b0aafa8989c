using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>What the neighbour cache asks of its stack: send solicitations, report failure, release queued packets.</summary>
internal interface INeighborHost
{
    /// <summary>Sends a neighbour solicitation for <paramref name="target"/>: multicast when <paramref name="unicast"/> is null, else to that MAC.</summary>
    void SendNeighborSolicitation(Instant now, IPv6Address target, MacAddress? unicast);

    /// <summary>Resolution or unreachability detection failed; <paramref name="droppedFrames"/> queued packets were dropped.</summary>
    void OnNeighborUnreachable(Instant now, IPv6Address address, int droppedFrames);

    /// <summary>The entry is resolved: send what waits in its queue.</summary>
    void FlushNeighborQueue(Instant now, NeighborEntry entry);

    /// <summary>
    /// Whether an upper layer saw forward progress through <paramref name="neighbor"/> at or after <paramref name="since"/>
    /// (RFC 4861 §7.3.1: e.g. an acceptable TCP segment on a connection routed through it).
    /// </summary>
    bool ConfirmedSince(IPv6Address neighbor, Instant since);
}
