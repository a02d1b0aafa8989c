using System.Buffers.Binary;
using Teeceepee.Wire;

namespace Teeceepee.Fuzz;

/// <summary>
/// IPv6 frames from the harness's peer (2001:db8:f::1, link-local fe80::1) to the stack (2001:db8:f::2 and its own
/// link-local address), built with our emitters: NDP, ICMPv6, extension headers, fragments, TCP and UDP.
/// </summary>
public static class PeerFrames6
{
    /// <summary>The stack's static global address.</summary>
    public static readonly IPv6Address StackAddress = IPv6Address.Parse("2001:db8:f::2");
    /// <summary>The peer's global address.</summary>
    public static readonly IPv6Address PeerAddress = IPv6Address.Parse("2001:db8:f::1");
    /// <summary>The peer's link-local address (its router address in RAs).</summary>
    public static readonly IPv6Address PeerLinkLocal = IPv6Address.Parse("fe80::1");
    /// <summary>The secret of the stack's RFC 7217 interface identifiers: fixed, so every run forms the same addresses.</summary>
    public static readonly byte[] StableSecret = [.. "teeceepee-fuzz-harness-secret-01"u8];

    /// <summary>An IPv6 packet in an Ethernet frame (to the group MAC when the destination is multicast).</summary>
    public static byte[] Packet(IpProtocol nextHeader, ReadOnlySpan<byte> payload, IPv6Address? source = null, IPv6Address? destination = null, byte hopLimit = 64)
    {
        var to = destination ?? StackAddress;
        var ip = new IPv6Repr { Source = source ?? PeerAddress, Destination = to, NextHeader = nextHeader, PayloadLength = payload.Length, HopLimit = hopLimit };
        var bytes = new byte[ip.BufferLength];
        ip.Emit(bytes);
        payload.CopyTo(bytes.AsSpan(IPv6Repr.HeaderLength));
        return PeerFrames.Ethernet(EtherType.IPv6, bytes, to.IsMulticast ? to.MulticastMac : PeerFrames.StackMac);
    }

    /// <summary>An NDP message (hop limit 255 unless told, RFC 4861 §6.1.1).</summary>
    public static byte[] Ndp(NdpRepr ndp, IPv6Address source, IPv6Address destination, byte hopLimit = 255)
    {
        var message = new byte[ndp.BufferLength];
        ndp.Emit(message, source, destination);
        return Packet(IpProtocol.Icmpv6, message, source, destination, hopLimit);
    }

    /// <summary>An ICMPv6 message with <paramref name="data"/> (an echo's data or an error's quote), checksummed.</summary>
    public static byte[] Icmpv6(Icmpv6Repr icmp, ReadOnlySpan<byte> data, IPv6Address? source = null, IPv6Address? destination = null)
    {
        var from = source ?? PeerAddress;
        var to = destination ?? StackAddress;
        var message = new byte[icmp.BufferLength];
        icmp.Emit(message, data, from, to);
        return Packet(IpProtocol.Icmpv6, message, from, to);
    }

    /// <summary>A TCP segment from the peer's global address, checksummed over the IPv6 pseudo-header.</summary>
    public static byte[] Tcp(TcpRepr segment, ReadOnlySpan<byte> payload = default)
    {
        var bytes = new byte[segment.HeaderLength + payload.Length];
        (segment with { PayloadLength = payload.Length }).Emit(bytes, payload, PeerAddress, StackAddress);
        return Packet(IpProtocol.Tcp, bytes);
    }

    /// <summary>A UDP datagram from the peer's global address, checksummed.</summary>
    public static byte[] Udp(ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload, IPv6Address? destination = null)
    {
        var to = destination ?? StackAddress;
        var udp = new UdpRepr(sourcePort, destinationPort, payload.Length);
        var bytes = new byte[udp.BufferLength];
        udp.Emit(bytes, payload, PeerAddress, to);
        return Packet(IpProtocol.Udp, bytes, destination: to);
    }

    /// <summary>A fragment (RFC 8200 §4.5) of the fragmentable part <paramref name="data"/>.</summary>
    public static byte[] Fragment(IpProtocol next, uint identification, int offset, bool more, ReadOnlySpan<byte> data)
    {
        var payload = new byte[IPv6FragmentInfo.HeaderLength + data.Length];
        new IPv6FragmentInfo(next, offset, more, identification).Emit(payload);
        data.CopyTo(payload.AsSpan(IPv6FragmentInfo.HeaderLength));
        return Packet(IpProtocol.IPv6Fragment, payload);
    }

    /// <summary>
    /// An extension header of kind <paramref name="kind"/> (hop-by-hop, destination options or routing) of 8 octets
    /// carrying <paramref name="body"/> (6 octets: options, or routing type / segments left / reserved), before
    /// <paramref name="inner"/>.
    /// </summary>
    public static byte[] WithExtension(IpProtocol kind, IpProtocol next, ReadOnlySpan<byte> body, ReadOnlySpan<byte> inner,
        IPv6Address? destination = null)
    {
        var payload = new byte[8 + inner.Length];
        payload[0] = (byte)next;
        payload[1] = 0; // (length − 8) / 8
        body[..Math.Min(6, body.Length)].CopyTo(payload.AsSpan(2));
        inner.CopyTo(payload.AsSpan(8));
        return Packet(kind, payload, destination: destination);
    }

    /// <summary>The first 48 octets of a TCP segment the stack sent over IPv6 (fixed header + 8), as an ICMPv6 error quotes it.</summary>
    public static byte[] QuotedTcp(ushort sourcePort, ushort destinationPort, uint seq)
    {
        var ip = new IPv6Repr { Source = StackAddress, Destination = PeerAddress, NextHeader = IpProtocol.Tcp, PayloadLength = 1440, HopLimit = 64 };
        var quote = new byte[IPv6Repr.HeaderLength + 8];
        ip.Emit(quote);
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(40), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(quote.AsSpan(42), destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(quote.AsSpan(44), seq);
        return quote;
    }
}
