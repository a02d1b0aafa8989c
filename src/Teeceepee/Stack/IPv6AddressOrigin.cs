namespace Teeceepee.Stack;

/// <summary>Where one of our IPv6 addresses came from.</summary>
public enum IPv6AddressOrigin
{
    /// <summary>The link-local address every interface forms (RFC 4862 §5.3).</summary>
    LinkLocal,
    /// <summary>Configured in <see cref="NetworkStackOptions.IPv6Addresses"/>.</summary>
    Static,
    /// <summary>Formed from a router advertisement's prefix (RFC 4862 §5.5.3).</summary>
    Slaac,
}
