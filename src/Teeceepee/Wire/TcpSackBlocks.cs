using System.Runtime.CompilerServices;

namespace Teeceepee.Wire;

/// <summary>One SACK block: octets <c>[Left, Right)</c> received out of order (RFC 2018 §3).</summary>
public readonly record struct TcpSackBlock(SeqNumber Left, SeqNumber Right);

/// <summary>Up to four SACK blocks, stored inline (no allocation).</summary>
public struct TcpSackBlocks : IEquatable<TcpSackBlocks>
{
    /// <summary>The most blocks a TCP header can carry.</summary>
    public const int Capacity = 4;

    private Storage _blocks;

    /// <summary>Number of blocks present (0..4).</summary>
    public int Count { get; private set; }

    /// <summary>The block at <paramref name="index"/>.</summary>
    public readonly TcpSackBlock this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return _blocks[index];
        }
    }

    /// <summary>Appends a block; returns false when all four slots are used.</summary>
    public bool TryAdd(TcpSackBlock block)
    {
        if (Count == Capacity)
            return false;
        _blocks[Count++] = block;
        return true;
    }

    /// <summary>Builds a set from up to four blocks.</summary>
    public static TcpSackBlocks Of(params ReadOnlySpan<TcpSackBlock> blocks)
    {
        var s = new TcpSackBlocks();
        foreach (var b in blocks)
        {
            if (!s.TryAdd(b))
                throw new ArgumentException("A TCP header holds at most four SACK blocks.", nameof(blocks));
        }
        return s;
    }

    /// <inheritdoc />
    public readonly bool Equals(TcpSackBlocks other)
    {
        if (Count != other.Count)
            return false;
        for (int i = 0; i < Count; i++)
        {
            if (_blocks[i] != other._blocks[i])
                return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override readonly bool Equals(object? obj) => obj is TcpSackBlocks o && Equals(o);

    /// <inheritdoc />
    public override readonly int GetHashCode()
    {
        var h = new HashCode();
        for (int i = 0; i < Count; i++)
            h.Add(_blocks[i]);
        return h.ToHashCode();
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(TcpSackBlocks a, TcpSackBlocks b) => a.Equals(b);

    /// <summary>Inequality.</summary>
    public static bool operator !=(TcpSackBlocks a, TcpSackBlocks b) => !a.Equals(b);

    /// <inheritdoc />
    public override readonly string ToString()
    {
        var parts = new string[Count];
        for (int i = 0; i < Count; i++)
            parts[i] = $"{_blocks[i].Left}-{_blocks[i].Right}";
        return "[" + string.Join(", ", parts) + "]";
    }

    [InlineArray(Capacity)]
    private struct Storage
    {
        private TcpSackBlock _element;
    }
}
