using System.Buffers;

namespace Teeceepee.Tcp;

/// <summary>
/// Send-side byte queue: the application appends (copied into a ring, or as whole slices of <see cref="RetainableBlock"/>s
/// held by reference); the TCB reads at an offset from SND.UNA; ACKs free bytes.
/// </summary>
/// <remarks>
/// The oldest byte is SND.UNA. <see cref="Write"/> copies into a ring spanning the whole rented array (which may exceed
/// <see cref="Capacity"/>); only <see cref="Capacity"/> bytes are ever held. Storage is rented from the shared pool by
/// the first write into an empty buffer and returned as soon as ACKs drain it, so an idle connection holds none (issue
/// 13 item 2); no call allocates once the pool is warm. <see cref="Append"/> queues a block's bytes without copying
/// (issue 12: Kestrel's output blocks go to TCP as they are): while any block is held, the buffer keeps a queue of
/// pieces in stream order (ring runs and block slices) and returns each block when ACKs pass its end; once no block is
/// held it is a plain ring again.
/// </remarks>
public sealed class SendBuffer
{
    private const int InitialPieces = 8;

    private byte[]? _storage;
    private int _head;       // ring index of the oldest ring byte
    private int _ringCount;  // bytes in the ring
    private int _count;      // bytes held in all (ring + blocks)

    // The piece queue (a ring of Piece): empty while only the ring holds bytes.
    private Piece[]? _pieces;
    private int _firstPiece;
    private int _pieceCount;
    private int _blockPieces;  // pieces that hold a block: the queue is dropped when the last one goes
    private int _cursorPiece;  // a piece index (from the first) and its byte offset: reads near the last one start there
    private int _cursorOffset;

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

    /// <summary>True while storage is rented or blocks are held (bytes are held).</summary>
    public bool HasStorage => _storage is not null || _pieceCount > 0;

    /// <summary>Blocks held by reference now (each returned when ACKs pass its end).</summary>
    public int BlocksHeld => _blockPieces;

    /// <summary>Appends as much of <paramref name="data"/> as fits (a copy); returns bytes accepted.</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        if (n == 0)
            return 0;
        var storage = _storage ??= RingPool.Rings.Rent(Capacity);
        int tail = _head + _ringCount;
        if (tail >= storage.Length)
            tail -= storage.Length;
        int first = Math.Min(n, storage.Length - tail);
        data[..first].CopyTo(storage.AsSpan(tail));
        data[first..n].CopyTo(storage);
        if (_pieceCount > 0)
        {
            AddPiece(storage, tail, first, null);
            if (first < n)
                AddPiece(storage, 0, n - first, null);
        }
        _ringCount += n;
        _count += n;
        return n;
    }

    /// <summary>
    /// Queues as much of the <paramref name="length"/> bytes at <paramref name="start"/> in <paramref name="block"/> as fits,
    /// without copying; returns bytes accepted. The block is retained once per queued piece (a slice that continues the
    /// previous one in the same block extends it) and released when ACKs drain the piece.
    /// </summary>
    public int Append(RetainableBlock block, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, block.Storage.Length - start);
        int n = Math.Min(length, Free);
        if (n == 0)
            return 0;
        if (_pieceCount == 0 && _ringCount > 0)
        {
            // Ring bytes come first in stream order: they become the queue's first pieces.
            var storage = _storage!;
            int first = Math.Min(_ringCount, storage.Length - _head);
            AddPiece(storage, _head, first, null);
            if (first < _ringCount)
                AddPiece(storage, 0, _ringCount - first, null);
        }
        AddPiece(block.Storage, start, n, block);
        _count += n;
        return n;
    }

    private void AddPiece(byte[] array, int start, int length, RetainableBlock? block)
    {
        if (_pieceCount > 0)
        {
            ref var last = ref PieceAt(_pieceCount - 1);
            if (last.Block == block && ReferenceEquals(last.Array, array) && last.Start + last.Length == start)
            {
                last.Length += length; // contiguous with the previous piece: one piece, one hold
                return;
            }
        }
        if (_pieces is null || _pieceCount == _pieces.Length)
            GrowPieces();
        block?.Retain();
        if (block is not null)
            _blockPieces++;
        PieceAt(_pieceCount++) = new Piece { Array = array, Start = start, Length = length, Block = block };
    }

    // The piece queue comes from the shared pool and goes back when the last block is released, so a connection that
    // once sent blocks holds no queue while idle (issue 13 item 2) and a warm pool allocates nothing.
    private void GrowPieces()
    {
        var grown = ArrayPool<Piece>.Shared.Rent(_pieces is null ? InitialPieces : _pieces.Length * 2);
        for (int i = 0; i < _pieceCount; i++)
            grown[i] = PieceAt(i);
        if (_pieces is not null)
            ArrayPool<Piece>.Shared.Return(_pieces, clearArray: true);
        _pieces = grown;
        _firstPiece = 0;
    }

    private ref Piece PieceAt(int index)
    {
        int i = _firstPiece + index;
        if (i >= _pieces!.Length)
            i -= _pieces.Length;
        return ref _pieces[i];
    }

    /// <summary>The piece holding byte <paramref name="offset"/> (which must be below Count) and that byte's index in it.</summary>
    private int FindPiece(int offset, out int within)
    {
        int index = 0, pieceOffset = 0;
        if (offset >= _cursorOffset && _cursorPiece < _pieceCount)
        {
            index = _cursorPiece;
            pieceOffset = _cursorOffset;
        }
        while (true)
        {
            int length = PieceAt(index).Length;
            if (offset < pieceOffset + length)
                break;
            pieceOffset += length;
            index++;
        }
        _cursorPiece = index;
        _cursorOffset = pieceOffset;
        within = offset - pieceOffset;
        return index;
    }

    /// <summary>Copies min(destination.Length, Count - offset) bytes starting <paramref name="offset"/> bytes after the oldest byte; returns the count copied (0 at or past the end, e.g. the FIN's sequence number).</summary>
    public int CopyTo(int offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        int n = Math.Min(destination.Length, _count - offset);
        if (n <= 0)
            return 0;
        if (_pieceCount == 0)
        {
            var storage = _storage!;
            int start = _head + offset;
            if (start >= storage.Length)
                start -= storage.Length;
            int first = Math.Min(n, storage.Length - start);
            storage.AsSpan(start, first).CopyTo(destination);
            storage.AsSpan(0, n - first).CopyTo(destination[first..]);
            return n;
        }
        int index = FindPiece(offset, out int within);
        int copied = 0;
        while (copied < n)
        {
            ref var piece = ref PieceAt(index++);
            int take = Math.Min(piece.Length - within, n - copied);
            piece.Array.AsSpan(piece.Start + within, take).CopyTo(destination[copied..]);
            copied += take;
            within = 0;
        }
        return n;
    }

    /// <summary>
    /// The <paramref name="length"/> bytes starting <paramref name="offset"/> bytes after the oldest byte, where they lie
    /// in storage: one slice, or two (<paramref name="second"/> empty otherwise). False when they lie in more than two
    /// pieces (short blocks): <see cref="CopyTo"/> gathers them then. No copy; valid until the next
    /// <see cref="Advance"/> or <see cref="Release"/> (a gather send hands them to the link at once).
    /// </summary>
    public bool TryGetSlices(int offset, int length, out ReadOnlyMemory<byte> first, out ReadOnlyMemory<byte> second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _count - offset);
        first = second = default;
        if (length == 0)
            return true;
        if (_pieceCount == 0)
        {
            var storage = _storage!;
            int start = _head + offset;
            if (start >= storage.Length)
                start -= storage.Length;
            int head = Math.Min(length, storage.Length - start);
            first = new ReadOnlyMemory<byte>(storage, start, head);
            if (head < length)
                second = new ReadOnlyMemory<byte>(storage, 0, length - head);
            return true;
        }
        int index = FindPiece(offset, out int within);
        ref var a = ref PieceAt(index);
        int taken = Math.Min(a.Length - within, length);
        if (taken < length)
        {
            if (index + 1 >= _pieceCount || PieceAt(index + 1).Length < length - taken)
                return false;
            ref var b = ref PieceAt(index + 1);
            second = new ReadOnlyMemory<byte>(b.Array, b.Start, length - taken);
        }
        first = new ReadOnlyMemory<byte>(a.Array, a.Start + within, taken);
        return true;
    }

    /// <summary>Drops <paramref name="count"/> acknowledged bytes from the front; more than <see cref="Count"/> throws (an ACK of a FIN covers no buffered byte).</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _count);
        if (count == _count)
        {
            // Drained: give the storage back (an idle connection holds none); later data starts in one piece.
            Release();
            return;
        }
        _count -= count;
        if (_pieceCount == 0)
        {
            AdvanceRing(count);
            return;
        }
        _cursorOffset -= count;
        int left = count;
        while (left > 0)
        {
            ref var piece = ref PieceAt(0);
            int take = Math.Min(piece.Length, left);
            if (piece.Block is null)
                AdvanceRing(take);
            piece.Start += take;
            piece.Length -= take;
            left -= take;
            if (piece.Length == 0)
                PopPiece();
        }
        if (_cursorOffset < 0 || _cursorPiece < 0)
            _cursorPiece = _cursorOffset = 0;
        if (_blockPieces == 0)
            ClearPieces(); // only ring runs are left: they are the ring's own bytes in order
    }

    private void AdvanceRing(int count)
    {
        _ringCount -= count;
        _head += count;
        if (_head >= _storage!.Length)
            _head -= _storage.Length;
    }

    private void PopPiece()
    {
        ref var piece = ref PieceAt(0);
        if (piece.Block is not null)
        {
            _blockPieces--;
            piece.Block.Release();
        }
        piece = default;
        if (++_firstPiece == _pieces!.Length)
            _firstPiece = 0;
        _pieceCount--;
        _cursorPiece--;
    }

    private void ClearPieces()
    {
        for (int i = 0; i < _pieceCount; i++)
        {
            ref var piece = ref PieceAt(i);
            piece.Block?.Release();
            piece = default;
        }
        _firstPiece = _pieceCount = _blockPieces = 0;
        _cursorPiece = _cursorOffset = 0;
        if (_pieces is not null)
        {
            ArrayPool<Piece>.Shared.Return(_pieces); // cleared above
            _pieces = null;
        }
    }

    /// <summary>Returns storage to the pool and every held block to its owner; the buffer is empty and reusable.</summary>
    public void Release()
    {
        ClearPieces();
        if (_storage is not null)
            RingPool.Rings.Return(_storage);
        _storage = null;
        _head = 0;
        _ringCount = 0;
        _count = 0;
    }

    /// <summary>A run of queued bytes: in the ring (<see cref="Block"/> null) or in a held block.</summary>
    private struct Piece
    {
        public byte[] Array;
        public int Start;
        public int Length;
        public RetainableBlock? Block;
    }
}
