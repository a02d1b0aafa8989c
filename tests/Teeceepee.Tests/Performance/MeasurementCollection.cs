namespace Teeceepee.Tests.Performance;

/// <summary>
/// Memory and allocation measurements run alone: process-wide figures such as
/// <see cref="GC.GetTotalMemory(bool)"/> would otherwise count other tests' garbage.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "Measurements (not parallel)";
}
