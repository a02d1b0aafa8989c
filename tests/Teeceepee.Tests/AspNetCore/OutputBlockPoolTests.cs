using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Teeceepee.AspNetCore;
using Teeceepee.Tcp;

namespace Teeceepee.Tests.AspNetCore;

/// <summary>
/// The output pipes' pool of 64 KiB blocks: a returned block is lent again (no new array once the pool fits its
/// load, however many connections hold blocks), a block disposed twice is pooled once, and idle blocks go away.
/// </summary>
public class OutputBlockPoolTests
{
    [Fact]
    public void ManyBlocksRentedAndReturned_RentedAgain_NoNewBlockMade()
    {
        using var pool = new OutputBlockPool(trim: false);
        // 200 connections with 16 blocks each: more than the shared array pool keeps.
        var first = Enumerable.Range(0, 3200).Select(_ => pool.Rent(OutputBlockPool.BlockSize)).ToList();
        Assert.All(first, b => Assert.Equal(OutputBlockPool.BlockSize, b.Memory.Length));
        first.ForEach(b => b.Dispose());
        Assert.Equal(3200, pool.FreeCount);

        var second = Enumerable.Range(0, 3200).Select(_ => pool.Rent()).ToList();
        Assert.Equal(3200, pool.Created);
        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(first.ToHashSet(), second.ToHashSet());
    }

    [Fact]
    public void BlockDisposedTwice_PooledOnce_TwoRentsGetTwoBlocks()
    {
        using var pool = new OutputBlockPool(trim: false);
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();
        Assert.Equal(1, pool.FreeCount);
        var a = pool.Rent();
        var b = pool.Rent();
        Assert.NotSame(a, b);
        Assert.Equal(2, pool.Created);
    }

    [Fact]
    public void RentLargerThanBlock_Throws()
    {
        using var pool = new OutputBlockPool(trim: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(OutputBlockPool.BlockSize + 1));
        Assert.Equal(OutputBlockPool.BlockSize, pool.MaxBufferSize);
    }

    [Fact]
    public void IdleBlocks_EachTrimReleasesHalfOfThoseIdleAllPeriod_ThenTheLastFew()
    {
        using var pool = new OutputBlockPool(trim: false);
        var blocks = Enumerable.Range(0, 16).Select(_ => pool.Rent()).ToList();
        blocks.ForEach(b => b.Dispose());
        pool.Trim(); // the blocks were in use during this period: all kept
        Assert.Equal(16, pool.FreeCount);
        pool.Trim();
        Assert.Equal(8, pool.FreeCount);
        pool.Trim();
        Assert.Equal(4, pool.FreeCount);
        pool.Trim();
        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void BlocksInUseDuringPeriod_Trim_KeepsThem()
    {
        using var pool = new OutputBlockPool(trim: false);
        var blocks = Enumerable.Range(0, 8).Select(_ => pool.Rent()).ToList();
        blocks.ForEach(b => b.Dispose());
        pool.Trim();
        // Busy again: 6 of the 8 lent out and back within the period; only the 2 never lent are idle ones.
        var busy = Enumerable.Range(0, 6).Select(_ => pool.Rent()).ToList();
        busy.ForEach(b => b.Dispose());
        pool.Trim();
        Assert.Equal(6, pool.FreeCount);
    }

    [Fact]
    public void Disposed_BlockReturnedLater_NotKept()
    {
        var pool = new OutputBlockPool(trim: false);
        var block = pool.Rent();
        pool.Dispose();
        block.Dispose();
        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void BlockHeldBySendBuffer_PipeDisposes_BackInPoolOnlyWhenAcksPassIt()
    {
        using var pool = new OutputBlockPool(trim: false);
        var owner = pool.Rent();
        Assert.True(MemoryMarshal.TryGetMemoryManager<byte, RetainableBlock>(owner.Memory, out var block));
        var buffer = new SendBuffer(100_000);
        buffer.Append(block!, 0, 1000);
        buffer.Append(block!, 5000, 1000);
        owner.Dispose(); // the pipe is done with it; TCP still holds two pieces
        owner.Dispose();
        Assert.Equal(0, pool.FreeCount);
        buffer.Advance(1500);
        Assert.Equal(0, pool.FreeCount);
        buffer.Advance(500);
        Assert.Equal(1, pool.FreeCount);
        Assert.Same(owner, pool.Rent()); // lent again, with one hold (the pipe's)
    }

    /// <summary>
    /// The transport's assumption about <see cref="Pipe"/>: its segments' memory is the pool's <see cref="RetainableBlock"/>
    /// (so sends find it), and after the reader consumed bytes the writer never writes there again (so bytes held by the
    /// send buffer stay intact while the pipe fills the rest of the block).
    /// </summary>
    [Fact]
    public async Task PipeOnPool_SegmentsAreRetainableBlocks_HeldBytesStayIntactAsThePipeWritesOn()
    {
        using var pool = new OutputBlockPool(trim: false);
        var pipe = new Pipe(new PipeOptions(pool, minimumSegmentSize: OutputBlockPool.BlockSize, pauseWriterThreshold: 0, useSynchronizationContext: false));
        var buffer = new SendBuffer(16 << 20);
        var rng = new Random(5);
        var expected = new List<byte>();
        var scratch = new byte[16 << 20];
        for (int round = 0; round < 300; round++)
        {
            var data = new byte[rng.Next(1, 20000)];
            rng.NextBytes(data);
            await pipe.Writer.WriteAsync(data);
            var result = await pipe.Reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                Assert.True(MemoryMarshal.TryGetMemoryManager<byte, RetainableBlock>(segment, out var block, out int start, out int length));
                Assert.Equal(length, buffer.Append(block!, start, length));
            }
            pipe.Reader.AdvanceTo(result.Buffer.End);
            expected.AddRange(data);
            int acked = rng.Next(0, buffer.Count + 1) / (round % 4 + 1); // ACKs lag behind, so blocks stay held
            buffer.Advance(acked);
            expected.RemoveRange(0, acked);
            Assert.Equal(expected.Count, buffer.CopyTo(0, scratch));
            Assert.True(CollectionsMarshal.AsSpan(expected).SequenceEqual(scratch.AsSpan(0, expected.Count)));
        }
        Assert.True(buffer.BlocksHeld > 0);
        buffer.Release();
        await pipe.Writer.CompleteAsync();
        await pipe.Reader.CompleteAsync();
        Assert.Equal(pool.Created, pool.FreeCount); // every block back in the pool
    }
}
