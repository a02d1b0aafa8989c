namespace Teeceepee.IntegrationTests.Scale;

/// <summary>
/// Scale measurements: xUnit runs this collection after the parallel ones, alone. Their memory figures come from a
/// process of their own (<see cref="IdleConnectionProbe"/>) and do not depend on other tests; running alone keeps their
/// thousands of kernel connections from slowing other tests' timing, and the other way round.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Memory measurement";
}
