using System.Runtime.InteropServices;
using CsCheck;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.Tcp;

/// <summary>
/// The send buffer's blocks held by reference (<see cref="SendBuffer.Append"/>, issue 12): bytes read back in stream
/// order beside copied ones, slices point into the blocks themselves, and each block is released exactly when ACKs pass
/// its last queued byte.
/// </summary>
public class SendBufferBlockTests
{
    private static TestRetainableBlock Filled(int size, int seed)
    {
        var block = new TestRetainableBlock(size);
        for (int i = 0; i < size; i++)
            block.Storage[i] = (byte)(i * 13 + seed);
        return block;
    }

    private static byte[] Read(SendBuffer buffer, int offset, int length) => SendBufferTests.Read(buffer, offset, length);

    [Fact]
    public void Append_QueuesWithoutCopy_SlicesAreTheBlocksOwnMemory()
    {
        var buffer = new SendBuffer(200_000);
        var a = Filled(65536, 1);
        var b = Filled(65536, 2);
        Assert.Equal(65536, buffer.Append(a, 0, 65536));
        Assert.Equal(60000, buffer.Append(b, 0, 60000));
        Assert.Equal(125536, buffer.Count);
        Assert.Equal(2, buffer.BlocksHeld);
        Assert.Equal(1, a.Holds);
        // A 64 KiB super-segment across the boundary: two slices, each inside its block's array.
        Assert.True(buffer.TryGetSlices(40000, 65536, out var first, out var second));
        Assert.True(MemoryMarshal.TryGetArray(first, out var s1) && ReferenceEquals(s1.Array, a.Storage) && s1.Offset == 40000);
        Assert.True(MemoryMarshal.TryGetArray(second, out var s2) && ReferenceEquals(s2.Array, b.Storage) && s2.Offset == 0);
        Assert.Equal(a.Storage[40000..].Concat(b.Storage[..40000]), first.ToArray().Concat(second.ToArray()));
    }

    [Fact]
    public void Append_ContinuingSliceOfSameBlock_OnePieceOneHold()
    {
        var buffer = new SendBuffer(100_000);
        var a = Filled(65536, 3);
        buffer.Append(a, 0, 100);
        buffer.Append(a, 100, 5000); // the pipe wrote further into the same block
        Assert.Equal(1, a.Retains);
        Assert.True(buffer.TryGetSlices(50, 5000, out var first, out var second));
        Assert.Equal(5000, first.Length);
        Assert.True(second.IsEmpty);
        buffer.Append(a, 6000, 10); // not contiguous: a second piece and hold
        Assert.Equal(2, a.Holds);
        Assert.Equal(a.Storage[6000..6010], Read(buffer, 5100, 10));
    }

    [Fact]
    public void Acks_ReleaseEachBlockWhenTheyPassItsEnd_NotBefore()
    {
        var buffer = new SendBuffer(100_000);
        var a = Filled(1000, 1);
        var b = Filled(1000, 2);
        buffer.Append(a, 0, 1000);
        buffer.Append(b, 0, 1000);
        buffer.Advance(999);
        Assert.Equal(1, a.Holds);
        buffer.Advance(1);
        Assert.Equal(0, a.Holds);
        Assert.Equal(1, b.Holds);
        Assert.Equal(b.Storage[..10], Read(buffer, 0, 10));
        buffer.Advance(1000);
        Assert.Equal(0, b.Holds);
        Assert.False(buffer.HasStorage); // drained: an idle connection holds nothing
        Assert.False(a.OverReleased || b.OverReleased);
    }

    [Fact]
    public void Release_ReturnsEveryHeldBlock()
    {
        var buffer = new SendBuffer(100_000);
        var blocks = Enumerable.Range(0, 5).Select(i => Filled(4000, i)).ToList();
        buffer.Write(new byte[300]);
        foreach (var block in blocks)
            buffer.Append(block, 10, 3000);
        Assert.Equal(5, buffer.BlocksHeld);
        buffer.Release();
        Assert.All(blocks, b => Assert.Equal(0, b.Holds));
        Assert.Equal(0, buffer.Count);
        Assert.False(buffer.HasStorage);
    }

    [Fact]
    public void WritesAndAppends_Interleaved_ReadBackInStreamOrder()
    {
        var buffer = new SendBuffer(10_000);
        var a = Filled(3000, 5);
        buffer.Write([1, 2, 3]);
        buffer.Append(a, 500, 2000);
        buffer.Write([4, 5]);
        var expected = new byte[] { 1, 2, 3 }.Concat(a.Storage[500..2500]).Concat(new byte[] { 4, 5 }).ToArray();
        Assert.Equal(expected, Read(buffer, 0, expected.Length));
        // Three pieces in one range: no two slices can carry it, the copy does.
        Assert.False(buffer.TryGetSlices(0, expected.Length, out _, out _));
        buffer.Advance(2003);
        Assert.Equal(0, a.Holds);
        Assert.Equal(new byte[] { 4, 5 }, Read(buffer, 0, 2)); // back to a plain ring
        Assert.True(buffer.TryGetSlices(0, 2, out var only, out var none) && only.Length == 2 && none.IsEmpty);
    }

    [Fact]
    public void Append_WhenFull_AcceptsOnlyFreeBytes()
    {
        var buffer = new SendBuffer(1000);
        var a = Filled(4000, 1);
        Assert.Equal(1000, buffer.Append(a, 0, 4000));
        Assert.Equal(0, buffer.Append(a, 1000, 10));
        Assert.Equal(0, buffer.Free);
        buffer.Advance(400);
        Assert.Equal(400, buffer.Append(a, 1000, 3000)); // continues the same piece
        Assert.Equal(1, a.Holds);
        Assert.Equal(a.Storage[400..1400], Read(buffer, 0, 1000));
    }

    [Fact]
    public void SteadyState_Appends_DoNotAllocate()
    {
        var buffer = new SendBuffer(256 * 1024);
        var blocks = Enumerable.Range(0, 4).Select(i => Filled(65536, i)).ToArray();
        var segment = new byte[1460];
        void Run()
        {
            for (int i = 0; i < 10_000; i++)
            {
                var block = blocks[i % blocks.Length];
                buffer.Append(block, 0, 40000);
                buffer.Append(block, 40000, 25536);
                buffer.TryGetSlices(buffer.Count / 3, Math.Min(65536, buffer.Count - buffer.Count / 3), out _, out _);
                buffer.CopyTo(buffer.Count / 2, segment);
                buffer.Advance(buffer.Count > 131072 ? 65536 : 0);
            }
            buffer.Release();
        }

        Run(); // warm-up: the piece queue grows once; JIT tiering allocates once
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.All(blocks, b => Assert.Equal(0, b.Holds));
    }

    /// <summary>
    /// Any sequence of copies, appends of block slices (some continuing the previous one), reads and two-slice views at
    /// offsets, ACKs and releases matches a plain byte-list model; a block is held exactly while some queued byte is in it.
    /// </summary>
    [Fact]
    public void AnyOperationSequence_MatchesAByteQueueModel_AndHoldsMatchQueuedBytes()
    {
        Gen.Select(Gen.Int[1, 300], Gen.Int).Sample((capacity, seed) =>
        {
            var rng = new Random(seed);
            var buffer = new SendBuffer(capacity);
            var model = new List<byte>();
            var owners = new List<TestRetainableBlock?>(); // which block each model byte lies in (null: copied)
            var blocks = Enumerable.Range(0, 4).Select(i => Filled(rng.Next(1, 120), i)).ToArray();
            var next = new int[blocks.Length]; // where each block's next contiguous slice would start
            var data = new byte[capacity + 10];
            var scratch = new byte[2 * capacity + 1];
            for (int op = 0; op < 60; op++)
            {
                switch (rng.Next(6))
                {
                    case 0:
                        var chunk = data.AsSpan(0, rng.Next(0, data.Length + 1));
                        rng.NextBytes(chunk);
                        int accepted = buffer.Write(chunk);
                        Assert.Equal(Math.Min(chunk.Length, capacity - model.Count), accepted);
                        model.AddRange(chunk[..accepted]);
                        owners.AddRange(Enumerable.Repeat<TestRetainableBlock?>(null, accepted));
                        break;
                    case 1:
                    case 2:
                        int which = rng.Next(blocks.Length);
                        var block = blocks[which];
                        int start = rng.Next(2) == 0 && next[which] < block.Storage.Length ? next[which] : rng.Next(0, block.Storage.Length + 1);
                        int length = rng.Next(0, block.Storage.Length - start + 1);
                        int taken = buffer.Append(block, start, length);
                        Assert.Equal(Math.Min(length, capacity - model.Count), taken);
                        model.AddRange(block.Storage.AsSpan(start, taken));
                        owners.AddRange(Enumerable.Repeat<TestRetainableBlock?>(block, taken));
                        next[which] = start + taken;
                        break;
                    case 3:
                        int offset = rng.Next(0, model.Count + 3);
                        int want = rng.Next(0, scratch.Length);
                        int copied = buffer.CopyTo(offset, scratch.AsSpan(0, want));
                        Assert.Equal(Math.Max(0, Math.Min(want, model.Count - offset)), copied);
                        Assert.True(copied == 0 || scratch.AsSpan(0, copied).SequenceEqual(CollectionsMarshal.AsSpan(model).Slice(offset, copied)));
                        if (model.Count > 0)
                        {
                            int at = rng.Next(0, model.Count);
                            int span = rng.Next(0, model.Count - at + 1);
                            if (buffer.TryGetSlices(at, span, out var first, out var second))
                            {
                                Assert.Equal(span, first.Length + second.Length);
                                Assert.True(first.ToArray().Concat(second.ToArray()).SequenceEqual(model.Skip(at).Take(span)));
                            }
                        }
                        break;
                    case 4:
                        int acked = rng.Next(0, model.Count + 1);
                        buffer.Advance(acked);
                        model.RemoveRange(0, acked);
                        owners.RemoveRange(0, acked);
                        break;
                    default:
                        if (rng.Next(10) == 0)
                        {
                            buffer.Release();
                            model.Clear();
                            owners.Clear();
                        }
                        break;
                }
                Assert.Equal(model.Count, buffer.Count);
                Assert.Equal(capacity - model.Count, buffer.Free);
                foreach (var block in blocks)
                {
                    Assert.False(block.OverReleased);
                    Assert.Equal(owners.Contains(block), block.Holds > 0);
                }
            }
            buffer.Release();
            Assert.All(blocks, b => Assert.Equal(0, b.Holds));
        }, iter: 5_000);
    }
}
