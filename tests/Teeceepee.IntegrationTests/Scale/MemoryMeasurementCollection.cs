namespace Teeceepee.IntegrationTests.Scale;

/// <summary>
/// Tests that measure the process's live heap (<c>GC.GetTotalMemory</c>): xUnit runs this collection after the parallel
/// ones, alone, so no other test's objects are counted.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Memory measurement";
}
