using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>A snapshot of one of the stack's IPv6 addresses (<see cref="NetworkStack.IPv6Addresses"/>).</summary>
/// <param name="Address">The address and its on-link prefix length.</param>
/// <param name="State">Tentative, preferred, deprecated or duplicate.</param>
/// <param name="Origin">Link-local, static or SLAAC.</param>
/// <param name="ValidUntil">When it is removed (<see cref="Instant.MaxValue"/>: never).</param>
/// <param name="PreferredUntil">When it becomes deprecated (<see cref="Instant.MaxValue"/>: never).</param>
public readonly record struct IPv6AddressInfo(IPv6AddressPrefix Address, IPv6AddressState State, IPv6AddressOrigin Origin, Instant ValidUntil, Instant PreferredUntil);
