namespace Teeceepee.Stack;

/// <summary>A snapshot of drop counters, one per <see cref="DropReason"/>.</summary>
public sealed class DropCounts : ReasonCounts<DropReason>
{
    internal DropCounts(long[] counts) : base(counts) { }
}
