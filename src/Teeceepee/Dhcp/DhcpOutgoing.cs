using Teeceepee.Wire;

namespace Teeceepee.Dhcp;

/// <summary>A message the client wants sent from port 68 to <paramref name="Destination"/>:67 (255.255.255.255 or the server).</summary>
public readonly record struct DhcpOutgoing(DhcpMessage Message, IPv4Address Destination);
