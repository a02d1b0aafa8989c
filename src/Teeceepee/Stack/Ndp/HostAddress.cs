using Teeceepee.Wire;

namespace Teeceepee.Stack.Ndp;

/// <summary>One of our IPv6 addresses with its state, lifetimes and duplicate address detection progress (RFC 4862).</summary>
internal sealed class HostAddress(IPv6AddressPrefix prefix, IPv6AddressOrigin origin)
{
    public IPv6AddressPrefix Prefix { get; } = prefix;
    public IPv6Address Address => Prefix.Address;
    public IPv6AddressOrigin Origin { get; } = origin;
    public IPv6AddressState State;
    public Instant ValidUntil = Instant.MaxValue;
    public Instant PreferredUntil = Instant.MaxValue;
    /// <summary>DAD solicitations still to send.</summary>
    public int DadLeft;
    /// <summary>When the next DAD solicitation goes out, or DAD ends.</summary>
    public Instant DadAt = Instant.MaxValue;
    /// <summary>RFC 7217 §6 DAD_Counter: how many stable identifiers for this prefix were found duplicate before this one.</summary>
    public int DadCounter;

    /// <summary>Usable as a source or destination of ordinary traffic.</summary>
    public bool IsAssigned => State is IPv6AddressState.Preferred or IPv6AddressState.Deprecated;

    public IPv6AddressInfo ToInfo() => new(Prefix, State, Origin, ValidUntil, PreferredUntil);
}
