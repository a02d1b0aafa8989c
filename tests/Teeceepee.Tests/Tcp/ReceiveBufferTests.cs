using CsCheck;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

public class ReceiveBufferTests
{
    private static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)(i * 13 + seed);
        return bytes;
    }

    private static (int Start, int End)[] Ranges(ReceiveBuffer buffer)
    {
        var ranges = new (int, int)[buffer.OutOfOrderRangeLimit + 1];
        return ranges[..buffer.GetOutOfOrderRanges(ranges)];
    }

    private static byte[] ReadAll(ReceiveBuffer buffer)
    {
        var bytes = new byte[buffer.Count];
        Assert.Equal(bytes.Length, buffer.Read(bytes));
        return bytes;
    }

    [Fact]
    public void InOrderWrite_BecomesReadable()
    {
        var buffer = new ReceiveBuffer(100);
        var data = Pattern(40);
        Assert.Equal(40, buffer.Write(0, data));
        Assert.Equal(40, buffer.Count);
        Assert.Equal(60, buffer.Window);
        Assert.False(buffer.HasOutOfOrderData);
        var peeked = new byte[40];
        Assert.Equal(40, buffer.Peek(peeked));
        Assert.Equal(data, peeked);
        Assert.Equal(40, buffer.Count);
        Assert.Equal(data, ReadAll(buffer));
        Assert.Equal(100, buffer.Window);
    }

    [Fact]
    public void Write_BeyondWindow_IsTrimmed()
    {
        var buffer = new ReceiveBuffer(100);
        Assert.Equal(100, buffer.Write(0, Pattern(150)));
        Assert.Equal(0, buffer.Window);
        Assert.Equal(0, buffer.Write(0, Pattern(10)));
        Assert.Equal(Pattern(100), ReadAll(buffer));
    }

    [Fact]
    public void OutOfOrderWrite_BeyondWindow_IsTrimmedAndOffsetAtWindowIsDropped()
    {
        var buffer = new ReceiveBuffer(100);
        Assert.Equal(0, buffer.Write(90, Pattern(50)));
        Assert.Equal([(90, 100)], Ranges(buffer));
        Assert.Equal(0, buffer.Write(100, Pattern(5)));
        Assert.Equal([(90, 100)], Ranges(buffer));
    }

    [Fact]
    public void LastHoleFilled_ReturnsTheRangeTable()
    {
        // Issue 13 item 2: the out-of-order table exists only while a hole is open.
        var buffer = new ReceiveBuffer(100);
        var data = Pattern(40);
        Assert.False(buffer.HasOutOfOrderTable);
        Assert.Equal(0, buffer.Write(10, data.AsSpan(10, 10)));
        Assert.Equal(0, buffer.Write(30, data.AsSpan(30, 10)));
        Assert.True(buffer.HasOutOfOrderTable);
        Assert.Equal(20, buffer.Write(0, data.AsSpan(0, 10)));
        Assert.True(buffer.HasOutOfOrderTable); // [30, 40) still waits for [20, 30)
        Assert.Equal(20, buffer.Write(0, data.AsSpan(20, 10))); // RCV.NXT is at 20 now
        Assert.False(buffer.HasOutOfOrderTable);
        Assert.Equal(data, ReadAll(buffer));
        Assert.Equal(0, buffer.Write(5, data.AsSpan(0, 5)));
        Assert.True(buffer.HasOutOfOrderTable);
        buffer.Release();
        Assert.False(buffer.HasOutOfOrderTable);
    }

    [Fact]
    public void FillingTheHole_ReturnsAllNewlyContiguousBytes()
    {
        var buffer = new ReceiveBuffer(100);
        var data = Pattern(30);
        Assert.Equal(0, buffer.Write(10, data.AsSpan(10, 10)));
        Assert.Equal(0, buffer.Write(20, data.AsSpan(20, 10)));
        Assert.True(buffer.HasOutOfOrderData);
        Assert.Equal([(10, 30)], Ranges(buffer));
        Assert.Equal(0, buffer.Count);
        Assert.Equal(30, buffer.Write(0, data.AsSpan(0, 10)));
        Assert.False(buffer.HasOutOfOrderData);
        Assert.Equal(data, ReadAll(buffer));
    }

    [Fact]
    public void OutOfOrderRanges_AreRelativeToRcvNxt()
    {
        var buffer = new ReceiveBuffer(100);
        var data = Pattern(60);
        buffer.Write(40, data.AsSpan(40, 10));
        Assert.Equal([(40, 50)], Ranges(buffer));
        Assert.Equal(20, buffer.Write(0, data.AsSpan(0, 20)));
        Assert.Equal([(20, 30)], Ranges(buffer));
    }

    [Fact]
    public void SackRanges_MostRecentlyUpdatedFirst()
    {
        // RFC 2018 §4: the first block reports the most recently received segment, then the others by recency.
        var buffer = new ReceiveBuffer(1000);
        var data = Pattern(200);
        buffer.Write(10, data.AsSpan(10, 10));
        buffer.Write(50, data.AsSpan(50, 10));
        buffer.Write(30, data.AsSpan(30, 10));
        Assert.Equal([(30, 40), (50, 60), (10, 20)], Ranges(buffer));

        // Extending the oldest range makes it the most recent.
        buffer.Write(20, data.AsSpan(20, 5));
        Assert.Equal([(10, 25), (30, 40), (50, 60)], Ranges(buffer));

        // A segment bridging two ranges merges them into one, reported first.
        buffer.Write(38, data.AsSpan(38, 14));
        Assert.Equal([(30, 60), (10, 25)], Ranges(buffer));

        // A duplicate inside a range refreshes it.
        buffer.Write(12, data.AsSpan(12, 2));
        Assert.Equal([(10, 25), (30, 60)], Ranges(buffer));

        // Fewer slots than ranges: the most recent ones.
        var two = new (int, int)[1];
        Assert.Equal(1, buffer.GetOutOfOrderRanges(two));
        Assert.Equal((10, 25), two[0]);
    }

    [Fact]
    public void TooManyHoles_DropsNewDisjointDataButKeepsAdjacentAndInOrder()
    {
        var buffer = new ReceiveBuffer(10_000);
        var data = Pattern(10_000);
        int max = buffer.OutOfOrderRangeLimit;
        for (int i = 1; i <= max; i++)
            buffer.Write(i * 100, data.AsSpan(i * 100, 10));
        Assert.Equal(max, Ranges(buffer).Length);

        // One more disjoint range is dropped: no range, nothing written.
        int beyond = (max + 1) * 100;
        Assert.Equal(0, buffer.Write(beyond, data.AsSpan(beyond, 10)));
        Assert.Equal(max, Ranges(buffer).Length);
        Assert.DoesNotContain(Ranges(buffer), r => r.Start == beyond);

        // Data touching a held range is still accepted.
        buffer.Write(110, data.AsSpan(110, 5));
        Assert.Equal((100, 115), Ranges(buffer)[0]);

        // In-order data is always accepted, and filling holes frees slots.
        Assert.Equal(115, buffer.Write(0, data.AsSpan(0, 100)));
        Assert.Equal(max - 1, Ranges(buffer).Length);
        Assert.Equal(0, buffer.Write(beyond - 115, data.AsSpan(beyond, 10)));
        Assert.Equal(max, Ranges(buffer).Length);
        Assert.Equal(data[..115], ReadAll(buffer));
    }

    [Fact]
    public void ManyHoles_TableGrowsToOneRangePerKiB_ThenDropsAndReports_AndStartsSmallOnceFilled()
    {
        // A 1 MiB buffer tracks 1,024 holes (was 32 for any buffer): a burst of tail drops on a paced flow leaves a hole
        // every other segment, and a receiver that drops the data past its 32nd hole stalls the sender's recovery.
        var buffer = new ReceiveBuffer(1 << 20);
        Assert.Equal(1024, buffer.OutOfOrderRangeLimit);
        var data = Pattern(1 << 20);
        for (int i = 1; i <= 1024; i++)
        {
            Assert.Equal(0, buffer.Write(i * 100, data.AsSpan(i * 100, 10), out bool dropped));
            Assert.False(dropped, $"hole {i}");
        }
        Assert.Equal(1024, buffer.OutOfOrderRangeCount);
        Assert.Equal(0, buffer.Write(1025 * 100, data.AsSpan(1025 * 100, 10), out bool over));
        Assert.True(over);
        Assert.Equal(1024, buffer.OutOfOrderRangeCount);
        // Touching a held range is never a drop.
        buffer.Write(110, data.AsSpan(110, 5), out bool touching);
        Assert.False(touching);
        // Fill every hole in order: all in order, every byte right.
        for (int i = 0; i < 1024; i++)
        {
            int from = i == 0 ? 0 : (i * 100) + (i == 1 ? 15 : 10);
            int to = (i + 1) * 100;
            buffer.Write(from - buffer.Count, data.AsSpan(from, to - from)); // nothing read: RCV.NXT is Count
        }
        Assert.False(buffer.HasOutOfOrderData);
        Assert.Equal(data[..((1024 * 100) + 10)], ReadAll(buffer));
        // The next hole opens a small table again; the limit is unchanged.
        Assert.Equal(0, buffer.Write(50, data.AsSpan(0, 10), out bool again));
        Assert.False(again);
        Assert.Equal(1, buffer.OutOfOrderRangeCount);
    }

    [Fact]
    public void InOrderWrite_WithAllRangeSlotsTaken_IsAccepted()
    {
        var buffer = new ReceiveBuffer(10_000);
        var data = Pattern(10_000);
        for (int i = 1; i <= buffer.OutOfOrderRangeLimit; i++)
            buffer.Write(i * 100, data.AsSpan(i * 100, 10));
        Assert.Equal(50, buffer.Write(0, data.AsSpan(0, 50)));
        Assert.Equal(data[..50], ReadAll(buffer));
    }

    [Fact]
    public void Write_NegativeOffset_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReceiveBuffer(10).Write(-1, new byte[1]));

    [Fact]
    public void Reassembly_AcrossTheRingWrap_PreservesBytes()
    {
        var buffer = new ReceiveBuffer(100);
        var stream = Pattern(1000, 5);
        var output = new List<byte>();
        int next = 0;
        var chunk = new byte[37];
        while (next < stream.Length)
        {
            // Two segments per step, the second first, so reassembly straddles the ring's end;
            // reading less than is written keeps the ring's head moving (no reset to index 0).
            if (buffer.Window >= 40)
            {
                int first = Math.Min(17, stream.Length - next);
                int second = Math.Min(23, stream.Length - next - first);
                if (second > 0)
                    Assert.Equal(0, buffer.Write(first, stream.AsSpan(next + first, second)));
                int made = buffer.Write(0, stream.AsSpan(next, first));
                Assert.Equal(first + second, made);
                next += made;
            }
            output.AddRange(chunk[..buffer.Read(chunk)]);
        }
        while (buffer.Count > 0)
            output.AddRange(chunk[..buffer.Read(chunk)]);
        Assert.Equal(stream, output.ToArray());
    }

    [Fact]
    public void Release_EmptiesAndBufferIsReusable()
    {
        var buffer = new ReceiveBuffer(100);
        buffer.Write(0, Pattern(30));
        buffer.Write(50, Pattern(10));
        buffer.Release();
        Assert.Equal(0, buffer.Count);
        Assert.Equal(100, buffer.Window);
        Assert.False(buffer.HasOutOfOrderData);
        Assert.Equal(20, buffer.Write(0, Pattern(20, 1)));
        Assert.Equal(Pattern(20, 1), ReadAll(buffer));
    }

    [Fact]
    public void SteadyState_DoesNotAllocate()
    {
        var buffer = new ReceiveBuffer(8192);
        var segment = Pattern(1000);
        var sink = new byte[4096];
        var ranges = new (int, int)[4];
        buffer.Write(0, segment);
        buffer.Read(sink);
        void Run()
        {
            for (int i = 0; i < 10_000; i++)
            {
                buffer.Write(1000, segment);
                buffer.Write(3000, segment);
                buffer.GetOutOfOrderRanges(ranges);
                buffer.Write(2000, segment);
                buffer.Write(0, segment);
                buffer.Read(sink);
            }
        }

        Run(); // warm-up: JIT tiering and on-stack replacement allocate once, on this thread
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    /// <summary>
    /// Any delivery order of segments of a random stream, with overlaps, duplicates, window trimming,
    /// the range bound and interleaved reads, reassembles to exactly the original bytes.
    /// </summary>
    [Fact]
    public void AnyPermutationOfSegments_ReassemblesTheOriginalStream()
    {
        Gen.Select(Gen.Int[1, 3000], Gen.Int[1, 4000], Gen.Int)
            .Sample((length, capacity, seed) => Reassemble(length, capacity, seed), iter: 3000);
    }

    /// <summary>The same property over many short streams and small rings, where wrap and trimming dominate.</summary>
    [Fact]
    public void AnyPermutationOfSegments_ShortStreams_ReassembleTheOriginalStream()
    {
        Gen.Select(Gen.Int[1, 120], Gen.Int[1, 64], Gen.Int)
            .Sample((length, capacity, seed) => Reassemble(length, capacity, seed), iter: 100_000);
    }

    private static void Reassemble(int length, int capacity, int seed)
    {
        var rng = new Random(seed);
        var stream = new byte[length];
        rng.NextBytes(stream);

        // A partition covering the stream, plus overlapping and duplicate segments.
        var segments = new List<(int Start, int End)>();
        int maxSegment = rng.Next(1, 400);
        for (int at = 0; at < length;)
        {
            int end = Math.Min(length, at + rng.Next(1, maxSegment + 1));
            segments.Add((at, end));
            at = end;
        }
        int extras = rng.Next(0, segments.Count + 1);
        for (int i = 0; i < extras; i++)
        {
            int start = rng.Next(0, length);
            segments.Add(rng.Next(3) == 0 ? segments[rng.Next(segments.Count)] : (start, Math.Min(length, start + rng.Next(1, maxSegment + 1))));
        }

        var buffer = new ReceiveBuffer(capacity);
        var output = new byte[length];
        int read = 0;
        long next = 0; // RCV.NXT as a stream offset
        var ranges = new (int Start, int End)[buffer.OutOfOrderRangeLimit + 1];
        var order = segments.ToArray();
        int live = order.Length;
        for (int round = 0; next < length; round++)
        {
            Assert.True(round < 100_000, "no progress");
            // Segments wholly below RCV.NXT are done; the rest go again in a fresh order.
            int kept = 0;
            for (int i = 0; i < live; i++)
            {
                if (order[i].End > next)
                    order[kept++] = order[i];
            }
            live = kept;
            rng.Shuffle(order.AsSpan(0, live));
            foreach (var (start, end) in order.AsSpan(0, live))
            {
                if (end <= next)
                    continue;
                // The TCB trims data below RCV.NXT before handing it over (RFC 9293 §3.10.7.4).
                int from = (int)Math.Max(start, next);
                int windowBefore = buffer.Window;
                int made = buffer.Write((int)(from - next), stream.AsSpan(from, end - from));
                next += made;
                Assert.Equal(windowBefore - made, buffer.Window);
                Assert.Equal(next - read, buffer.Count);

                // Ranges lie past RCV.NXT, inside the window, disjoint and not touching.
                int n = buffer.GetOutOfOrderRanges(ranges);
                Assert.True(n <= buffer.OutOfOrderRangeLimit);
                Assert.Equal(n > 0, buffer.HasOutOfOrderData);
                var sorted = ranges[..n];
                Array.Sort(sorted);
                for (int i = 0; i < n; i++)
                {
                    Assert.True(sorted[i].Start > 0 && sorted[i].Start < sorted[i].End && sorted[i].End <= buffer.Window);
                    Assert.True(i == 0 || sorted[i - 1].End < sorted[i].Start);
                }

                if (rng.Next(4) == 0)
                    read += buffer.Read(output.AsSpan(read, rng.Next(0, length - read + 1)));
            }
            // The application drains at the end of each round, reopening the window.
            read += buffer.Read(output.AsSpan(read));
        }
        Assert.Equal(length, read);
        Assert.Equal(stream, output);
        Assert.False(buffer.HasOutOfOrderData);
    }
}
