namespace Teeceepee.IntegrationTests.Cli;

/// <summary>A fact that needs root and iproute2 (network namespaces); skipped otherwise.</summary>
internal sealed class CliNamespaceFactAttribute : FactAttribute
{
    public CliNamespaceFactAttribute()
    {
        if (!CliNamespace.Available)
            Skip = "needs root and iproute2 (network namespaces)";
    }
}
