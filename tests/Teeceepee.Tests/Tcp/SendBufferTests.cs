using System.Runtime.InteropServices;
using CsCheck;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

public class SendBufferTests
{
    private static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)(i * 7 + seed);
        return bytes;
    }

    /// <summary>The <paramref name="length"/> bytes at <paramref name="offset"/>, all of which must be there.</summary>
    internal static byte[] Read(SendBuffer buffer, int offset, int length)
    {
        var bytes = new byte[length];
        Assert.Equal(length, buffer.CopyTo(offset, bytes));
        return bytes;
    }

    [Fact]
    public void New_IsEmpty()
    {
        var buffer = new SendBuffer(100);
        Assert.Equal(100, buffer.Capacity);
        Assert.Equal(0, buffer.Count);
        Assert.Equal(100, buffer.Free);
        Assert.Equal(0, buffer.CopyTo(0, new byte[10]));
    }

    [Fact]
    public void GetSlices_WrappedRing_TwoSlicesInStreamOrder_NoCopy()
    {
        var buffer = new SendBuffer(100);
        var first = Pattern(90);
        buffer.Write(first);
        buffer.Advance(80);                 // the oldest byte now sits near the end of the storage
        var more = Pattern(int.Min(90, buffer.Free), 3);
        buffer.Write(more);                 // wraps to the start of the storage
        var expected = first[80..].Concat(more).ToArray();
        buffer.TryGetSlices(0, expected.Length, out var a, out var b);
        Assert.Equal(expected.Length, a.Length + b.Length);
        Assert.Equal(expected, a.ToArray().Concat(b.ToArray()).ToArray());
        Assert.True(MemoryMarshal.TryGetArray(a, out var segment) && segment.Array is not null); // the ring's own storage
        // A range inside one piece is one slice; an empty range is nothing.
        buffer.TryGetSlices(1, 5, out a, out b);
        Assert.Equal(expected[1..6], a.ToArray());
        Assert.True(b.IsEmpty);
        buffer.TryGetSlices(3, 0, out a, out b);
        Assert.True(a.IsEmpty && b.IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.TryGetSlices(1, expected.Length, out _, out _));
    }

    [Fact]
    public void Write_WhenFull_AcceptsOnlyFreeBytes()
    {
        var buffer = new SendBuffer(100);
        Assert.Equal(60, buffer.Write(Pattern(60)));
        Assert.Equal(40, buffer.Write(Pattern(60, 1)));
        Assert.Equal(100, buffer.Count);
        Assert.Equal(0, buffer.Free);
        Assert.Equal(0, buffer.Write(Pattern(1)));
        Assert.Equal(Pattern(60, 1)[..40], Read(buffer, 60, 40));
    }

    [Fact]
    public void CopyTo_AtOffset_CopiesFromSndUnaPlusOffset()
    {
        var buffer = new SendBuffer(100);
        var data = Pattern(80);
        buffer.Write(data);
        Assert.Equal(data[30..50], Read(buffer, 30, 20));
        // A destination longer than the remaining bytes gets only what is held.
        var tail = new byte[50];
        Assert.Equal(10, buffer.CopyTo(70, tail));
        Assert.Equal(data[70..], tail[..10]);
        Assert.Equal(0, buffer.CopyTo(80, tail));
    }

    [Fact]
    public void CopyTo_OffsetBeyondCount_CopiesNothing()
    {
        // After a FIN, SND.NXT - SND.UNA is Count + 1.
        var buffer = new SendBuffer(100);
        buffer.Write(Pattern(10));
        Assert.Equal(0, buffer.CopyTo(11, new byte[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.CopyTo(-1, new byte[1]));
    }

    [Fact]
    public void Advance_FreesAcknowledgedBytes()
    {
        var buffer = new SendBuffer(100);
        var data = Pattern(100);
        buffer.Write(data);
        buffer.Advance(30);
        Assert.Equal(70, buffer.Count);
        Assert.Equal(30, buffer.Free);
        Assert.Equal(data[30..40], Read(buffer, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(71));
    }

    [Fact]
    public void WriteAndCopyTo_AcrossTheWrap_PreserveOrder()
    {
        var buffer = new SendBuffer(100);
        var stream = Pattern(10_000, 3);
        int written = 0, acked = 0;
        var rng = new Random(42);
        while (acked < stream.Length)
        {
            written += buffer.Write(stream.AsSpan(written, Math.Min(rng.Next(1, 90), stream.Length - written)));
            Assert.Equal(written - acked, buffer.Count);
            // Every offset and length reads back the stream, whether or not it straddles the ring's end.
            int offset = rng.Next(0, buffer.Count + 1);
            int length = rng.Next(0, buffer.Count - offset + 1);
            Assert.Equal(stream.AsSpan(acked + offset, length).ToArray(), Read(buffer, offset, length));
            int ack = rng.Next(0, buffer.Count + 1);
            buffer.Advance(ack);
            acked += ack;
        }
        Assert.Equal(0, buffer.Count);
    }

    [Fact]
    public void Release_EmptiesAndBufferIsReusable()
    {
        var buffer = new SendBuffer(64);
        buffer.Write(Pattern(50));
        buffer.Release();
        Assert.Equal(0, buffer.Count);
        Assert.Equal(64, buffer.Free);
        Assert.Equal(64, buffer.Write(Pattern(64, 9)));
        Assert.Equal(Pattern(64, 9), Read(buffer, 0, 64));
    }

    [Fact]
    public void SteadyState_DoesNotAllocate()
    {
        var buffer = new SendBuffer(4096);
        var chunk = Pattern(1000);
        var segment = new byte[1460];
        buffer.Write(chunk);
        buffer.Advance(1000);
        void Run()
        {
            for (int i = 0; i < 10_000; i++)
            {
                buffer.Write(chunk);
                buffer.CopyTo(0, segment);
                buffer.Advance(buffer.Count / 2 + 1);
            }
        }

        Run(); // warm-up: JIT tiering and on-stack replacement allocate once, on this thread
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    /// <summary>Any sequence of writes, reads at offsets and ACKs matches a plain byte-list model.</summary>
    [Fact]
    public void AnyOperationSequence_MatchesAByteQueueModel()
    {
        Gen.Select(Gen.Int[1, 200], Gen.Int).Sample((capacity, seed) =>
        {
            var rng = new Random(seed);
            var buffer = new SendBuffer(capacity);
            var model = new List<byte>();
            var data = new byte[capacity + 10];
            var scratch = new byte[2 * capacity + 1];
            for (int op = 0; op < 40; op++)
            {
                switch (rng.Next(4))
                {
                    case 0:
                        var chunk = data.AsSpan(0, rng.Next(0, data.Length + 1));
                        rng.NextBytes(chunk);
                        int accepted = buffer.Write(chunk);
                        Assert.Equal(Math.Min(chunk.Length, capacity - model.Count), accepted);
                        model.AddRange(chunk[..accepted]);
                        break;
                    case 1:
                        int offset = rng.Next(0, model.Count + 3);
                        int length = rng.Next(0, scratch.Length);
                        int copied = buffer.CopyTo(offset, scratch.AsSpan(0, length));
                        Assert.Equal(Math.Max(0, Math.Min(length, model.Count - offset)), copied);
                        Assert.True(copied == 0 || scratch.AsSpan(0, copied).SequenceEqual(CollectionsMarshal.AsSpan(model).Slice(offset, copied)));
                        break;
                    case 2:
                        int acked = rng.Next(0, model.Count + 1);
                        buffer.Advance(acked);
                        model.RemoveRange(0, acked);
                        break;
                    default:
                        if (rng.Next(20) == 0)
                        {
                            buffer.Release();
                            model.Clear();
                        }
                        break;
                }
                Assert.Equal(model.Count, buffer.Count);
                Assert.Equal(capacity - model.Count, buffer.Free);
            }
            buffer.Release();
        }, iter: 100_000);
    }
}
