using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>What identifies the fragments of one datagram (RFC 791 §3.2: source, destination, protocol, identification).</summary>
internal readonly record struct FragmentKey(IPv4Address Source, IPv4Address Destination, byte Protocol, ushort Identification);
