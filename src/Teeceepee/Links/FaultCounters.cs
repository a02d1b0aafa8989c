namespace Teeceepee.Links;

/// <summary>What a <see cref="FaultInjector"/> did to one direction of traffic.</summary>
public sealed class FaultCounters
{
    /// <summary>Frames that entered the injector.</summary>
    public long Frames { get; internal set; }

    /// <summary>Frames (copies included) passed on: to the inner link (outbound) or to the caller (inbound).</summary>
    public long Delivered { get; internal set; }

    /// <summary>Frames dropped by <see cref="FaultOptions.Loss"/>.</summary>
    public long Lost { get; internal set; }

    /// <summary>Frames that got a second copy.</summary>
    public long Duplicated { get; internal set; }

    /// <summary>Frames held back so later ones overtake them.</summary>
    public long Reordered { get; internal set; }

    /// <summary>Frames with one bit flipped.</summary>
    public long Corrupted { get; internal set; }

    /// <summary>Frames (copies included) that waited: for <see cref="FaultOptions.Delay"/>, jitter, the rate limit or a reorder hold.</summary>
    public long Delayed { get; internal set; }

    /// <summary>Frames dropped because the hold queue was full (a rate-limited bottleneck's tail drop).</summary>
    public long Overflowed { get; internal set; }

    /// <summary>Frames dropped at the tail of a full bottleneck queue (<see cref="FaultOptions.QueueBytes"/>, <see cref="FaultOptions.QueueTime"/>).</summary>
    public long QueueDropped { get; internal set; }

    /// <summary>IP packets marked CE at the bottleneck (<see cref="FaultOptions.EcnThresholdBytes"/>).</summary>
    public long EcnMarked { get; internal set; }

    /// <summary>Frames dropped silently for being longer than <see cref="FaultOptions.BlackHoleMtu"/>.</summary>
    public long BlackHoled { get; internal set; }

    /// <summary>Outbound frames the inner link refused.</summary>
    public long Rejected { get; internal set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"frames {Frames} delivered {Delivered} lost {Lost} duplicated {Duplicated} reordered {Reordered} corrupted {Corrupted} delayed {Delayed} overflowed {Overflowed} queue-dropped {QueueDropped} ecn-marked {EcnMarked} black-holed {BlackHoled} rejected {Rejected}";
}
