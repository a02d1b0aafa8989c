namespace Teeceepee.Tcp;

/// <summary>A snapshot of TCP's drop counters, one per <see cref="TcpDropReason"/>.</summary>
public sealed class TcpDropCounts : ReasonCounts<TcpDropReason>
{
    /// <summary>Slots in a live counter array: one per possible reason value.</summary>
    internal const int Size = 256;

    internal TcpDropCounts(long[] counts) : base(counts) { }
}
