using System.Buffers;
using System.Numerics;

namespace Teeceepee;

/// <summary>
/// An array pool for TCP's ring storage (<c>Tcp.RingPool</c>; here, outside Tcp, because it takes a lock and Tcp
/// knows no threads): arrays of power-of-two lengths, at most a fixed number kept per length, and a
/// low-water trim: <see cref="Trim"/> frees the arrays that stayed in the pool since the previous trim (its lowest
/// depth over the interval, the part of the pool nobody needed), so what it keeps follows the working set of the
/// last interval instead of the highest peak ever. One lock, taken only to rent and return a ring (not per segment).
/// </summary>
internal sealed class TrimmingArrayPool : ArrayPool<byte>
{
    private const int MinLength = 16;
    private const int MaxLength = 1 << 30;

    private readonly Lock _gate = new();
    private readonly Bucket?[] _buckets = new Bucket?[BitOperations.Log2(MaxLength) + 1];
    private readonly int _perSize;

    /// <summary>A pool that keeps at most <paramref name="perSize"/> arrays of each length.</summary>
    public TrimmingArrayPool(int perSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSize);
        _perSize = perSize;
    }

    /// <summary>Octets held by the pool (arrays waiting to be rented).</summary>
    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                long total = 0;
                foreach (var b in _buckets)
                    total += b is null ? 0 : (long)b.Count * b.Length;
                return total;
            }
        }
    }

    /// <inheritdoc />
    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumLength, MaxLength);
        int length = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(minimumLength, MinLength));
        int index = BitOperations.Log2((uint)length);
        lock (_gate)
        {
            var bucket = _buckets[index];
            if (bucket is { Count: > 0 })
            {
                var array = bucket.Arrays[--bucket.Count];
                bucket.Arrays[bucket.Count] = null;
                bucket.LowWater = Math.Min(bucket.LowWater, bucket.Count);
                return array!;
            }
        }
        // Not zeroed: a ring only reads what it wrote.
        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <inheritdoc />
    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Length < MinLength || !BitOperations.IsPow2(array.Length))
            return;
        if (clearArray)
            Array.Clear(array);
        int index = BitOperations.Log2((uint)array.Length);
        lock (_gate)
        {
            var bucket = _buckets[index] ??= new Bucket(array.Length, _perSize);
            if (bucket.Count < bucket.Arrays.Length)
                bucket.Arrays[bucket.Count++] = array;
        }
    }

    /// <summary>
    /// Frees, per length, as many arrays as the pool never went below since the previous trim (they were not needed
    /// during the interval); returns the octets freed. The caller chooses the interval (the stack's loop: seconds).
    /// </summary>
    public long Trim()
    {
        long freed = 0;
        lock (_gate)
        {
            foreach (var bucket in _buckets)
            {
                if (bucket is null)
                    continue;
                int unused = Math.Min(bucket.LowWater, bucket.Count);
                // The oldest returns sit at the bottom: free those, keep the recently used on top.
                if (unused > 0)
                {
                    Array.Copy(bucket.Arrays, unused, bucket.Arrays, 0, bucket.Count - unused);
                    Array.Clear(bucket.Arrays, bucket.Count - unused, unused);
                    bucket.Count -= unused;
                    freed += (long)unused * bucket.Length;
                }
                bucket.LowWater = bucket.Count;
            }
        }
        return freed;
    }

    private sealed class Bucket(int length, int capacity)
    {
        public readonly int Length = length;
        public readonly byte[]?[] Arrays = new byte[]?[capacity];
        public int Count;
        public int LowWater;
    }
}
