using Teeceepee.IntegrationTests.Infrastructure;

namespace Teeceepee.Tests.Sockets;

/// <summary>A test of the shared socket suite over real links: skipped without root, iproute2 or /dev/net/tun.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TcpSuiteFactAttribute : FactAttribute
{
    public TcpSuiteFactAttribute()
    {
        if (TestNetwork.UnavailableReason is { } reason)
            Skip = reason;
    }
}
