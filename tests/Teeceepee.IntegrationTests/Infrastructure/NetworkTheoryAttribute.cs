namespace Teeceepee.IntegrationTests.Infrastructure;

/// <summary>A theory that needs root, iproute2 and /dev/net/tun; skipped with the reason otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetworkTheoryAttribute : TheoryAttribute
{
    public NetworkTheoryAttribute()
    {
        if (TestNetwork.UnavailableReason is { } reason)
            Skip = reason;
    }
}
