using Teeceepee.Wire;

namespace Teeceepee.Stack;

/// <summary>
/// What identifies the fragments of one datagram: source, destination, protocol and identification
/// (RFC 791 §3.2 for IPv4; RFC 8200 §4.5 for IPv6, whose identification is 32 bits and protocol the fragment header's next header).
/// </summary>
internal readonly record struct FragmentKey(NetAddress Source, NetAddress Destination, byte Protocol, uint Identification);
