namespace Teeceepee.Links;

/// <summary>A frame admitted by a <see cref="FaultDirection"/>: when it leaves, the bottleneck's new drain time, whether it was picked to reorder, and whether to mark it CE.</summary>
internal readonly record struct FaultAdmission(Instant Release, Instant BottleneckFree, bool Reordered, bool MarkCe);
