using System.Net;
using System.Net.Sockets;
using Teeceepee.Stack;

namespace Teeceepee.Dns;

/// <summary>
/// The source address a <see cref="NetworkStack"/> would use for a destination (RFC 6724 §5, as far as the
/// stack's configuration tells): the one place name resolution asks the stack about its addresses.
/// </summary>
internal static class StackSourceAddress
{
    /// <summary>The source for <paramref name="destination"/>, or null when the stack has no address of that family.</summary>
    public static IPAddress? For(NetworkStack stack, IPAddress destination)
    {
        if (destination.IsIPv4MappedToIPv6)
            destination = destination.MapToIPv4();
        if (destination.AddressFamily == AddressFamily.InterNetwork)
            return stack.Address.IsUnspecified ? null : stack.Address.ToIPAddress();
        // The IPv6 host (issue 10 item 2) gives its preferred address for the destination's scope here.
        return null;
    }
}
