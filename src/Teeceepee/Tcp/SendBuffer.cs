using System.Buffers;

namespace Teeceepee.Tcp;

/// <summary>Send-side byte ring: the application appends; the TCB reads at an offset from SND.UNA; ACKs free bytes.</summary>
/// <remarks>
/// The oldest byte is SND.UNA. The ring spans the whole rented array (which may exceed
/// <see cref="Capacity"/>); only <see cref="Capacity"/> bytes are ever held. Storage is rented from
/// the shared pool by the first write into an empty buffer and returned as soon as ACKs drain it,
/// so an idle connection holds none (issue 13 item 2); no call allocates once the pool is warm.
/// </remarks>
public sealed class SendBuffer
{
    private byte[]? _storage;
    private int _head;   // ring index of the oldest byte (SND.UNA)
    private int _count;

    /// <summary>Creates a buffer; storage is rented lazily from <see cref="RingPool"/> on first write.</summary>
    public SendBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>Maximum bytes held.</summary>
    public int Capacity { get; }

    /// <summary>Bytes held (unacknowledged + unsent).</summary>
    public int Count => _count;

    /// <summary>Space left for the application.</summary>
    public int Free => Capacity - _count;

    /// <summary>Appends as much of <paramref name="data"/> as fits; returns bytes accepted.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        if (n == 0)
            return 0;
        var storage = _storage ??= RingPool.Rings.Rent(Capacity);
        int tail = _head + _count;
        if (tail >= storage.Length)
            tail -= storage.Length;
        int first = Math.Min(n, storage.Length - tail);
        data[..first].CopyTo(storage.AsSpan(tail));
        data[first..n].CopyTo(storage);
        _count += n;
        return n;
    }

    /// <summary>Copies min(destination.Length, Count - offset) bytes starting <paramref name="offset"/> bytes after the oldest byte; returns the count copied (0 at or past the end, e.g. the FIN's sequence number).</summary>
    public int CopyTo(int offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        int n = Math.Min(destination.Length, _count - offset);
        if (n <= 0)
            return 0;
        var storage = _storage!;
        int start = _head + offset;
        if (start >= storage.Length)
            start -= storage.Length;
        int first = Math.Min(n, storage.Length - start);
        storage.AsSpan(start, first).CopyTo(destination);
        storage.AsSpan(0, n - first).CopyTo(destination[first..]);
        return n;
    }

    /// <summary>
    /// The <paramref name="length"/> bytes starting <paramref name="offset"/> bytes after the oldest byte, where they lie in
    /// the ring: one slice, or two when the ring wraps (<paramref name="second"/> empty otherwise). No copy; valid until
    /// the next <see cref="Advance"/> or <see cref="Release"/> (a gather send hands them to the link at once).
    /// </summary>
    public void GetSlices(int offset, int length, out ReadOnlyMemory<byte> first, out ReadOnlyMemory<byte> second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _count - offset);
        second = default;
        if (length == 0)
        {
            first = default;
            return;
        }
        var storage = _storage!;
        int start = _head + offset;
        if (start >= storage.Length)
            start -= storage.Length;
        int head = Math.Min(length, storage.Length - start);
        first = new ReadOnlyMemory<byte>(storage, start, head);
        if (head < length)
            second = new ReadOnlyMemory<byte>(storage, 0, length - head);
    }

    /// <summary>Drops <paramref name="count"/> acknowledged bytes from the front; more than <see cref="Count"/> throws (an ACK of a FIN covers no buffered byte).</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _count);
        _count -= count;
        if (_count == 0)
        {
            // Drained: give the storage back (an idle connection holds none); later data starts in one piece.
            _head = 0;
            if (_storage is not null)
                RingPool.Rings.Return(_storage);
            _storage = null;
            return;
        }
        _head += count;
        if (_head >= _storage!.Length)
            _head -= _storage.Length;
    }

    /// <summary>True while storage is rented (bytes are held).</summary>
    public bool HasStorage => _storage is not null;

    /// <summary>Returns storage to the pool; the buffer is empty and reusable.</summary>
    public void Release()
    {
        if (_storage is not null)
            RingPool.Rings.Return(_storage);
        _storage = null;
        _head = 0;
        _count = 0;
    }
}
