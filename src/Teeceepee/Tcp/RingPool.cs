using System.Buffers;

namespace Teeceepee.Tcp;

/// <summary>
/// Where send and receive rings get their storage. Rings are rented on first data and returned when drained
/// (an idle connection holds none), so a busy connection rents and returns every few segments: the pool must
/// hand the same arrays back without allocating. <see cref="ArrayPool{T}.Shared"/> may drop its arrays at any
/// gen-2 collection (trimming); this pool keeps up to <see cref="ArraysPerSize"/> per size for the process.
/// </summary>
internal static class RingPool
{
    /// <summary>Arrays kept per size class.</summary>
    public const int ArraysPerSize = 256;

    /// <summary>The pool (thread-safe: stacks on several loops share it).</summary>
    public static ArrayPool<byte> Rings { get; } = ArrayPool<byte>.Create(maxArrayLength: 16 * 1024 * 1024, maxArraysPerBucket: ArraysPerSize);
}
