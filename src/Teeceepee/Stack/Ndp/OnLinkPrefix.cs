namespace Teeceepee.Stack.Ndp;

/// <summary>A prefix from the prefix list (RFC 4861 §6.3.4): addresses on it are on-link until it expires.</summary>
internal sealed class OnLinkPrefix(IPv6AddressPrefix prefix)
{
    public IPv6AddressPrefix Prefix { get; } = prefix;
    public Instant ExpiresAt;
}
