using Teeceepee.Stack;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack;

/// <summary>
/// A <see cref="RawPeer"/> whose stack speaks IPv6 with a static address, and builders for the IPv6 frames a test
/// hands it (NDP, echo, fragments, errors). Addresses are from fd00::/8.
/// </summary>
internal sealed class Ipv6Peer : IAsyncDisposable
{
    public static readonly IPv6Address StackAddress = IPv6Address.Parse("fd00:6:1::2");
    public static readonly IPv6Address PeerAddress = IPv6Address.Parse("fd00:6:1::1");
    public static readonly IPv6Address PeerLinkLocal = IPv6Address.Parse("fe80::1");

    public Ipv6Peer(Func<NetworkStackOptions, NetworkStackOptions>? configure = null, bool dad = false, bool staticAddress = true, string? interfaceName = null)
    {
        Raw = new RawPeer(o =>
        {
            var options = o with
            {
                IPv6 = true,
                IPv6Addresses = staticAddress ? [new IPv6AddressPrefix(StackAddress, 64)] : [],
                DadTransmits = dad ? 1 : 0,
            };
            return configure is null ? options : configure(options);
        }, interfaceName: interfaceName);
    }

    public RawPeer Raw { get; }
    public NetworkStack Stack => Raw.Stack;

    /// <summary>Polls once (starts the stack) and throws away what it sent.</summary>
    public void Start()
    {
        Raw.Advance(TimeSpan.Zero);
        Raw.Discard();
    }

    /// <summary>Sends an IPv6 packet to the stack in a frame to <paramref name="mac"/> (default: the stack's MAC, or the group MAC of a multicast destination).</summary>
    public void Send(byte[] packet, MacAddress? mac = null)
    {
        var destination = IPv6Address.Read(packet.AsSpan(IPv6Packet.Field.Destination));
        Raw.Send(RawPeer.Ethernet(EtherType.IPv6, packet, mac ?? (destination.IsMulticast ? destination.MulticastMac : RawPeer.StackMac)));
    }

    /// <summary>The IPv6 packets the stack sent since the last call.</summary>
    public List<byte[]> ReceivedPackets()
    {
        var list = new List<byte[]>();
        foreach (var f in Raw.Received())
        {
            if (EthernetFrame.TryParse(f, out var eth, out _) && eth.EtherType == EtherType.IPv6)
                list.Add(eth.Payload.ToArray());
        }
        return list;
    }

    /// <summary>An IPv6 packet with <paramref name="payload"/> after the fixed header.</summary>
    public static byte[] Packet(IPv6Address source, IPv6Address destination, IpProtocol nextHeader, ReadOnlySpan<byte> payload, byte hopLimit = 64)
    {
        var ip = new IPv6Repr { Source = source, Destination = destination, NextHeader = nextHeader, PayloadLength = payload.Length, HopLimit = hopLimit };
        var bytes = new byte[ip.BufferLength];
        ip.Emit(bytes);
        payload.CopyTo(bytes.AsSpan(IPv6Repr.HeaderLength));
        return bytes;
    }

    /// <summary>An ICMPv6 echo request with a recognisable pattern.</summary>
    public static byte[] EchoRequest(IPv6Address source, IPv6Address destination, ushort identifier, ushort sequence, int dataLength)
    {
        var icmp = Icmpv6Repr.EchoRequest(identifier, sequence, dataLength);
        var bytes = new byte[icmp.BufferLength];
        for (int i = 0; i < dataLength; i++)
            bytes[Icmpv6Repr.HeaderLength + i] = (byte)(i * 7 + 3);
        icmp.Emit(bytes, source, destination);
        return bytes;
    }

    /// <summary>An NDP message as a whole IPv6 packet (hop limit 255 unless told).</summary>
    public static byte[] Ndp(NdpRepr ndp, IPv6Address source, IPv6Address destination, byte hopLimit = 255)
    {
        var message = new byte[ndp.BufferLength];
        ndp.Emit(message, source, destination);
        return Packet(source, destination, IpProtocol.Icmpv6, message, hopLimit);
    }

    /// <summary>An ICMPv6 error quoting <paramref name="quoted"/>.</summary>
    public static byte[] Error(Icmpv6Repr icmp, byte[] quoted, IPv6Address source, IPv6Address destination)
    {
        var message = new byte[icmp.BufferLength];
        icmp.Emit(message, quoted, source, destination);
        return Packet(source, destination, IpProtocol.Icmpv6, message);
    }

    /// <summary>A fragment of <paramref name="data"/> (the fragmentable part) behind a fragment header.</summary>
    public static byte[] Fragment(IPv6Address source, IPv6Address destination, IpProtocol next, uint id, int offset, bool more, ReadOnlySpan<byte> data)
    {
        var payload = new byte[IPv6FragmentInfo.HeaderLength + data.Length];
        new IPv6FragmentInfo(next, offset, more, id).Emit(payload);
        data.CopyTo(payload.AsSpan(IPv6FragmentInfo.HeaderLength));
        return Packet(source, destination, IpProtocol.IPv6Fragment, payload);
    }

    /// <summary>The ICMPv6 message of <paramref name="packet"/> when its next header is ICMPv6 (else null).</summary>
    public static (Icmpv6Type Type, byte[] Message)? Icmpv6(byte[] packet)
    {
        if (packet[IPv6Packet.Field.NextHeader] != (byte)IpProtocol.Icmpv6)
            return null;
        return ((Icmpv6Type)packet[IPv6Repr.HeaderLength], packet[IPv6Repr.HeaderLength..]);
    }

    public ValueTask DisposeAsync() => Raw.DisposeAsync();
}
