namespace Teeceepee.IntegrationTests.Cli;

/// <summary>
/// The SYN-flood test: xUnit runs this collection after the parallel ones, alone, so that the flood's core and the
/// downloads' timing are not shared with other tests (and other tests' timing is not shared with the flood).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "SYN flood";
}
