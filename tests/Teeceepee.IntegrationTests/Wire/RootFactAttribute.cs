namespace Teeceepee.IntegrationTests.Wire;

/// <summary>A fact that needs root (network namespaces, TAP devices); skipped with a clear reason otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root")
            Skip = "Needs root: it creates a network namespace and a TAP device.";
    }
}
