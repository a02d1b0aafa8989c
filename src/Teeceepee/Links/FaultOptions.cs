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

    /// <summary>Each frame's delay varies uniformly by up to this much either side of <see cref="Delay"/> (never below zero); frames may then reorder.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>How long a frame picked by <see cref="Reorder"/> is held beyond its normal delay.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Bottleneck rate in bits per second (0: unlimited): each frame waits for the frames before it to be serialised.</summary>
    public long RateBitsPerSecond { get; init; }

    /// <summary>True when these options change nothing.</summary>
    public bool IsNone => Loss == 0 && Duplicate == 0 && Reorder == 0 && Corrupt == 0
        && Delay == TimeSpan.Zero && Jitter == TimeSpan.Zero && RateBitsPerSecond == 0;

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
    }
}
