using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>A router from the default router list (RFC 4861 §6.3.4): its link-local address and when its lifetime ends.</summary>
internal sealed class DefaultRouter(IPv6Address address)
{
    public IPv6Address Address { get; } = address;
    public Instant ExpiresAt;
}
