using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>One neighbour cache entry (RFC 4861 §5.1): link-layer address, state, timer, probes, queued packets.</summary>
internal sealed class NeighborEntry(IPv6Address address, int queueCapacity)
{
    public IPv6Address Address { get; } = address;
    public MacAddress HardwareAddress;
    public NeighborState State;
    public bool IsRouter;
    /// <summary>When the state's timer fires (<see cref="Instant.MaxValue"/>: no timer, as in STALE).</summary>
    public Instant Deadline;
    /// <summary>Solicitations sent in INCOMPLETE or PROBE.</summary>
    public int Probes;
    /// <summary>Last use, for evicting the least recently used entry when the cache is full.</summary>
    public Instant UsedAt;
    public FrameQueue Queue { get; } = new(queueCapacity);
}
