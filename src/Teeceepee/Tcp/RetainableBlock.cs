using System.Buffers;
using System.Runtime.InteropServices;

namespace Teeceepee.Tcp;

/// <summary>
/// Memory over one array that TCP may hold by reference: a send of a slice of <see cref="MemoryManager{T}.Memory"/> queues the slice in
/// the send buffer without copying it, calls <see cref="Retain"/> once, and calls <see cref="Release"/> when ACKs pass
/// the slice's end (or the connection ends). The owner must not write into bytes it has handed to a send until their
/// release; writing further on in the same array is fine (a pipe fills a block while earlier parts are in flight).
/// </summary>
/// <remarks>Retain and Release are called on the stack's loop thread while the owner runs on others: they must be thread-safe.</remarks>
public abstract class RetainableBlock : MemoryManager<byte>
{
    private readonly byte[] _array;

    /// <summary>Wraps <paramref name="array"/> (the whole array is the block).</summary>
    protected RetainableBlock(byte[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        _array = array;
    }

    /// <summary>The block's storage.</summary>
    public byte[] Storage => _array;

    /// <summary>Takes one more hold on the block (thread-safe).</summary>
    public abstract void Retain();

    /// <summary>Drops one hold; the last release gives the block back to its owner (thread-safe).</summary>
    public abstract void Release();

    /// <inheritdoc />
    public override Span<byte> GetSpan() => _array;

    /// <inheritdoc />
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, _array.Length);
        var handle = GCHandle.Alloc(_array, GCHandleType.Pinned);
        return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
    }

    /// <inheritdoc />
    public override void Unpin()
    {
        // The MemoryHandle frees its GCHandle itself.
    }

    /// <inheritdoc />
    protected override bool TryGetArray(out ArraySegment<byte> segment)
    {
        segment = new ArraySegment<byte>(_array);
        return true;
    }
}
