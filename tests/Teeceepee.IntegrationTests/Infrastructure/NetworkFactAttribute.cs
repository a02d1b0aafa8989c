namespace Teeceepee.IntegrationTests.Infrastructure;

/// <summary>A fact that needs root, iproute2 and /dev/net/tun; skipped with the reason otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetworkFactAttribute : FactAttribute
{
    public NetworkFactAttribute()
    {
        if (TestNetwork.UnavailableReason is { } reason)
            Skip = reason;
    }
}
