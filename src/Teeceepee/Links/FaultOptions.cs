namespace Teeceepee.Links;

/// <summary>Faults a <see cref="FaultInjector"/> applies to one direction of traffic. Probabilities are fractions (0.02 = 2 %).</summary>
public sealed record FaultOptions
{
    /// <summary>No faults: frames pass untouched.</summary>
    public static FaultOptions None { get; } = new();

    /// <summary>Probability that a frame is dropped.</summary>
    public double Loss { get; init; }

    /// <summary>Probability that a frame is delivered twice.</summary>
    public double Duplicate { get; init; }

    /// <summary>Probability that a frame is held back by <see cref="ReorderDelay"/> so later frames overtake it.</summary>
    public double Reorder { get; init; }

    /// <summary>Probability that one random bit of a frame is flipped.</summary>
    public double Corrupt { get; init; }

    /// <summary>Fixed latency added to every frame.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>
    /// Each frame's delay varies uniformly by up to this much either side of <see cref="Delay"/> (never below zero).
    /// Frames keep their order (a frame never leaves before the one ahead of it, as on one wire); only <see cref="Reorder"/> reorders.
    /// </summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>How long a frame picked by <see cref="Reorder"/> is held beyond its normal delay.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Bottleneck rate in bits per second of frame octets (link header included; 0: unlimited): each frame waits for the
    /// frames before it to be serialised. The bottleneck comes before <see cref="Delay"/>, as a router's queue before a long wire.
    /// </summary>
    public long RateBitsPerSecond { get; init; }

    /// <summary>Drop-tail limit of the bottleneck queue in octets (0: none but the hold capacity); needs <see cref="RateBitsPerSecond"/>.</summary>
    public long QueueBytes { get; init; }

    /// <summary>Drop-tail limit of the bottleneck queue as time to drain it at the rate (0: none); with <see cref="QueueBytes"/> the smaller wins.</summary>
    public TimeSpan QueueTime { get; init; }

    /// <summary>
    /// ECN step marking: an ECN-capable IP packet (ECT(0) or ECT(1)) that finds more than this many octets queued at the
    /// bottleneck is marked CE instead (RFC 3168 §5; DCTCP-style threshold K). 0: no marking. Needs <see cref="RateBitsPerSecond"/>.
    /// </summary>
    public long EcnThresholdBytes { get; init; }

    /// <summary>As <see cref="EcnThresholdBytes"/>, as time to drain the queue at the rate; with both the smaller wins.</summary>
    public TimeSpan EcnThresholdTime { get; init; }

    /// <summary>
    /// An MTU black hole: frames whose IP packet is longer than this are dropped silently (no ICMP), as by a router
    /// with a smaller MTU that filters ICMP (RFC 4821 §1). 0: none.
    /// </summary>
    public int BlackHoleMtu { get; init; }

    /// <summary>True when these options change nothing.</summary>
    public bool IsNone => Loss == 0 && Duplicate == 0 && Reorder == 0 && Corrupt == 0
        && Delay == TimeSpan.Zero && Jitter == TimeSpan.Zero && RateBitsPerSecond == 0 && BlackHoleMtu == 0;

    /// <summary>The drop-tail limit in octets at the rate (<see cref="QueueBytes"/>, <see cref="QueueTime"/>), or 0 for none.</summary>
    public long QueueLimitBytes => Smaller(QueueBytes, QueueTime);

    /// <summary>The ECN marking threshold in octets at the rate (<see cref="EcnThresholdBytes"/>, <see cref="EcnThresholdTime"/>), or 0 for none.</summary>
    public long EcnThresholdLimitBytes => Smaller(EcnThresholdBytes, EcnThresholdTime);

    // Octets and time at the rate, whichever is set, the smaller when both are; at least 1 octet when either is set.
    private long Smaller(long bytes, TimeSpan time)
    {
        long fromTime = time > TimeSpan.Zero && RateBitsPerSecond > 0
            ? Math.Max(1, (long)(time.Ticks * (double)RateBitsPerSecond / (8.0 * TimeSpan.TicksPerSecond)))
            : 0;
        return bytes > 0 && fromTime > 0 ? Math.Min(bytes, fromTime) : Math.Max(bytes, fromTime);
    }

    internal void Validate(string name)
    {
        static void Probability(double p, string field, string name)
        {
            if (!(p >= 0 && p <= 1))
                throw new ArgumentOutOfRangeException(name, p, $"{field} must be a fraction between 0 and 1.");
        }
        Probability(Loss, nameof(Loss), name);
        Probability(Duplicate, nameof(Duplicate), name);
        Probability(Reorder, nameof(Reorder), name);
        Probability(Corrupt, nameof(Corrupt), name);
        if (Delay < TimeSpan.Zero || Jitter < TimeSpan.Zero || ReorderDelay < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(name, "Delay, Jitter and ReorderDelay must not be negative.");
        if (RateBitsPerSecond < 0)
            throw new ArgumentOutOfRangeException(name, RateBitsPerSecond, "RateBitsPerSecond must not be negative.");
        if (QueueBytes < 0 || QueueTime < TimeSpan.Zero || EcnThresholdBytes < 0 || EcnThresholdTime < TimeSpan.Zero || BlackHoleMtu < 0)
            throw new ArgumentOutOfRangeException(name, "Queue limits, ECN thresholds and the black-hole MTU must not be negative.");
        if (RateBitsPerSecond == 0 && (QueueBytes > 0 || QueueTime > TimeSpan.Zero || EcnThresholdBytes > 0 || EcnThresholdTime > TimeSpan.Zero))
            throw new ArgumentException("A queue limit or ECN threshold needs a rate (RateBitsPerSecond): without a bottleneck nothing queues.", name);
    }
}
