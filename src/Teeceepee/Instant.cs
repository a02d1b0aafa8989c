using System.Globalization;

namespace Teeceepee;

/// <summary>A point on the stack's clock, in <see cref="TimeSpan"/> ticks (100 ns) since an arbitrary epoch.</summary>
/// <remarks>Protocol code never reads a clock: the driver passes <c>now</c> in, from a <see cref="TimeProvider"/>.</remarks>
public readonly record struct Instant(long Ticks) : IComparable<Instant>
{
    /// <summary>The epoch.</summary>
    public static Instant Zero { get; }

    /// <summary>Later than every real instant; "no deadline".</summary>
    public static Instant MaxValue { get; } = new(long.MaxValue);

    /// <summary>An instant <paramref name="milliseconds"/> after the epoch.</summary>
    public static Instant FromMilliseconds(long milliseconds) => new(milliseconds * TimeSpan.TicksPerMillisecond);

    /// <summary>Reads a <see cref="TimeProvider"/>'s monotonic clock.</summary>
    public static Instant Now(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return new(time.GetElapsedTime(0, time.GetTimestamp()).Ticks);
    }

    /// <summary>Whole milliseconds since the epoch.</summary>
    public long TotalMilliseconds => Ticks / TimeSpan.TicksPerMillisecond;

    /// <summary>Shifts forward (saturating at <see cref="MaxValue"/>).</summary>
    public static Instant operator +(Instant at, TimeSpan span) =>
        span.Ticks > 0 && at.Ticks > long.MaxValue - span.Ticks ? MaxValue : new(at.Ticks + span.Ticks);

    /// <summary>Shifts backward.</summary>
    public static Instant operator -(Instant at, TimeSpan span) => new(at.Ticks - span.Ticks);

    /// <summary>The time between two instants.</summary>
    public static TimeSpan operator -(Instant a, Instant b) => new(a.Ticks - b.Ticks);

    /// <summary>Earlier than.</summary>
    public static bool operator <(Instant a, Instant b) => a.Ticks < b.Ticks;

    /// <summary>Later than.</summary>
    public static bool operator >(Instant a, Instant b) => a.Ticks > b.Ticks;

    /// <summary>Not later than.</summary>
    public static bool operator <=(Instant a, Instant b) => a.Ticks <= b.Ticks;

    /// <summary>Not earlier than.</summary>
    public static bool operator >=(Instant a, Instant b) => a.Ticks >= b.Ticks;

    /// <summary>The earlier of two instants.</summary>
    public static Instant Min(Instant a, Instant b) => a.Ticks <= b.Ticks ? a : b;

    /// <summary>The later of two instants.</summary>
    public static Instant Max(Instant a, Instant b) => a.Ticks >= b.Ticks ? a : b;

    /// <inheritdoc />
    public int CompareTo(Instant other) => Ticks.CompareTo(other.Ticks);

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Ticks / (double)TimeSpan.TicksPerMillisecond:F3}ms");
}
