using System.Buffers;
using System.Diagnostics;
using Teeceepee.Tcp;

namespace Teeceepee.AspNetCore;

/// <summary>
/// The output pipes' memory: fixed 64 KiB blocks, each its own reusable owner (renting allocates nothing once the pool
/// has grown), kept as long as they are used. <see cref="MemoryPool{T}.Shared"/> keeps only a few dozen arrays per
/// size, so 200 connections with a full write-ahead each missed it on almost every segment: a fresh 64 KiB array, a
/// page fault per 4 KiB on first touch and the GC's work to reclaim it cost a quarter of <c>serve</c>'s CPU. Blocks
/// that stayed free through a whole trim period are released by half each period, so memory returns after a burst.
/// Each block is a <see cref="RetainableBlock"/>: the connection queues the pipe's bytes in the send buffer by reference
/// and the block comes back here only when the pipe is done with it and ACKs have passed its last queued byte.
/// Thread-safe (one short lock per 64 KiB).
/// </summary>
internal sealed class OutputBlockPool : MemoryPool<byte>
{
    /// <summary>The size of every block.</summary>
    public const int BlockSize = 64 * 1024;

    private static readonly TimeSpan s_trimPeriod = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private readonly Timer? _trimTimer;
    private Block[] _free = new Block[16];
    private int _count;
    private int _lowWater;
    private long _created;
    private bool _disposed;

    /// <summary>Creates a pool; with <paramref name="trim"/> a timer releases idle blocks (tests trim by hand).</summary>
    public OutputBlockPool(bool trim = true)
    {
        if (trim)
            _trimTimer = new Timer(static state => ((OutputBlockPool)state!).Trim(), this, s_trimPeriod, s_trimPeriod);
    }

    /// <inheritdoc />
    public override int MaxBufferSize => BlockSize;

    /// <summary>Free blocks held now.</summary>
    public int FreeCount
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    /// <summary>Blocks made since the pool was created (a pool that fits its load stops making them).</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <inheritdoc />
    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        lock (_lock)
        {
            if (_count > 0)
            {
                var block = _free[--_count];
                _free[_count] = null!;
                if (_count < _lowWater)
                    _lowWater = _count;
                block.OnRent();
                return block;
            }
        }
        Interlocked.Increment(ref _created);
        var made = new Block(this);
        made.OnRent();
        return made;
    }

    /// <summary>Releases half of the blocks that stayed free since the last trim (all of them once a period finds few).</summary>
    public void Trim()
    {
        lock (_lock)
        {
            int release = _lowWater <= 4 ? _lowWater : _lowWater / 2;
            for (int i = 0; i < release; i++)
                _free[--_count] = null!;
            _lowWater = _count;
        }
    }

    private void Return(Block block)
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            if (_count == _free.Length)
                Array.Resize(ref _free, _free.Length * 2);
            _free[_count++] = block;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _trimTimer?.Dispose();
        lock (_lock)
        {
            _disposed = true;
            Array.Clear(_free);
            _count = 0;
            _lowWater = 0;
        }
    }

    /// <summary>
    /// One block: the pipe's hold (from <see cref="Rent"/> to the pipe's dispose) plus one per piece the send buffer queued
    /// by reference (<see cref="RetainableBlock"/>); it goes back to the pool when the last hold is released.
    /// </summary>
    private sealed class Block(OutputBlockPool pool) : RetainableBlock(GC.AllocateUninitializedArray<byte>(BlockSize))
    {
        private int _holds;
        private int _pipeHold;

        /// <summary>Lent out: the pipe holds it.</summary>
        public void OnRent()
        {
            Volatile.Write(ref _holds, 1);
            Volatile.Write(ref _pipeHold, 1);
        }

        public override void Retain() => Interlocked.Increment(ref _holds);

        public override void Release()
        {
            int holds = Interlocked.Decrement(ref _holds);
            Debug.Assert(holds >= 0, "a block released more often than held");
            if (holds == 0)
                pool.Return(this);
        }

        // The pipe disposes each rented block once; a second dispose must not release the pipe's hold twice.
        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _pipeHold, 0) == 1)
                Release();
        }
    }
}
