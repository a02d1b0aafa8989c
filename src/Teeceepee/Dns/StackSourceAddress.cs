using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Teeceepee.Stack;
using Teeceepee.Wire;

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
        // IPv6: the stack's address snapshot (any thread), ranked as the stack's own SelectSourceAddress ranks them:
        // same scope first, then preferred over deprecated (and tentative, which DAD makes usable within a second),
        // then the longest common prefix (RFC 6724 §5 rules 2, 3 and 8).
        var target = IPv6Address.FromIPAddress(destination);
        bool linkScope = target.IsLinkLocal || (target.IsMulticast && ((target.High >> 48) & 0xF) <= 2);
        IPv6Address? best = null;
        int bestScore = -1;
        foreach (var a in stack.IPv6Addresses)
        {
            if (a.State == IPv6AddressState.Duplicate)
                continue;
            var address = a.Address.Address;
            int score = CommonPrefixLength(address, target)
                + (address.IsLinkLocal == linkScope ? 1000 : 0)
                + (a.State == IPv6AddressState.Preferred ? 500 : a.State == IPv6AddressState.Tentative ? 250 : 0);
            if (score > bestScore)
            {
                best = address;
                bestScore = score;
            }
        }
        return best?.ToIPAddress();
    }

    private static int CommonPrefixLength(IPv6Address a, IPv6Address b)
    {
        ulong high = a.High ^ b.High;
        return high != 0 ? BitOperations.LeadingZeroCount(high) : 64 + BitOperations.LeadingZeroCount(a.Low ^ b.Low);
    }
}
