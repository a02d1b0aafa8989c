namespace Teeceepee.IntegrationTests.Cli;

/// <summary>A theory that needs root and iproute2 (network namespaces); skipped otherwise.</summary>
internal sealed class CliNamespaceTheoryAttribute : TheoryAttribute
{
    public CliNamespaceTheoryAttribute()
    {
        if (!CliNamespace.Available)
            Skip = "needs root and iproute2 (network namespaces)";
    }
}
