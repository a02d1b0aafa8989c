namespace Teeceepee.Tcp;

/// <summary>
/// Where send and receive rings get their storage. Rings are rented on first data and returned when drained
/// (an idle connection holds none), so a busy connection rents and returns every few segments: the pool must
/// hand the same arrays back without allocating. <see cref="Rings"/> keeps up to <see cref="ArraysPerSize"/> per size
/// and gives back to the GC what a trim interval did not use (<see cref="TrimmingArrayPool.Trim"/>, issue 13 item 2), so
/// a burst of connections does not leave its peak of rings in the process for ever.
/// </summary>
internal static class RingPool
{
    /// <summary>Arrays kept per size class at most.</summary>
    public const int ArraysPerSize = 256;

    /// <summary>The pool (thread-safe: stacks on several loops share it).</summary>
    public static TrimmingArrayPool Rings { get; } = new(ArraysPerSize);
}
