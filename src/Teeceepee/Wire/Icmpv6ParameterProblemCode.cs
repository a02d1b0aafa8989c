namespace Teeceepee.Wire;

/// <summary>ICMPv6 parameter problem codes (RFC 4443 §3.4, RFC 7112 §4).</summary>
public enum Icmpv6ParameterProblemCode : byte
{
    /// <summary>Erroneous header field encountered.</summary>
    ErroneousHeaderField = 0,
    /// <summary>Unrecognized next header type encountered.</summary>
    UnrecognizedNextHeader = 1,
    /// <summary>Unrecognized IPv6 option encountered.</summary>
    UnrecognizedOption = 2,
    /// <summary>The first fragment has an incomplete header chain (RFC 7112).</summary>
    IncompleteHeaderChain = 3,
}
