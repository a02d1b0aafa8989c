namespace Teeceepee.Stack;

/// <summary>The life of one of our IPv6 addresses (RFC 4862 §2, §5.5.4).</summary>
public enum IPv6AddressState
{
    /// <summary>Duplicate address detection is running: only NDP may use it.</summary>
    Tentative,
    /// <summary>Usable for any communication.</summary>
    Preferred,
    /// <summary>Its preferred lifetime ran out: existing connections go on, new ones use another address.</summary>
    Deprecated,
    /// <summary>Another node holds it (DAD found a duplicate, RFC 4862 §5.4.5): never used.</summary>
    Duplicate,
}
