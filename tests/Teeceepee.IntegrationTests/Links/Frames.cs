using System.Buffers.Binary;
using System.Net;
using Teeceepee.Wire;

namespace Teeceepee.IntegrationTests.Links;

/// <summary>Hand-built frames for driving links without a stack (RFC 826 ARP, RFC 792 echo).</summary>
internal static class Frames
{
    public const ushort EtherTypeIPv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;

    public static ushort EtherType(byte[] frame) => frame.Length >= 14 ? BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) : (ushort)0;

    public static MacAddress Source(byte[] frame) => MacAddress.Read(frame.AsSpan(6));

    public static MacAddress Destination(byte[] frame) => MacAddress.Read(frame);

    /// <summary>True for an ARP request asking for <paramref name="target"/>.</summary>
    public static bool IsArpRequestFor(byte[] frame, IPAddress target) =>
        EtherType(frame) == EtherTypeArp && frame.Length >= 42
        && BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(20)) == 1
        && frame.AsSpan(38, 4).SequenceEqual(target.GetAddressBytes());

    /// <summary>True for an ARP reply (any).</summary>
    public static bool IsArpReply(byte[] frame) =>
        EtherType(frame) == EtherTypeArp && frame.Length >= 42 && BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(20)) == 2;

    /// <summary>The ARP sender's protocol address.</summary>
    public static IPAddress ArpSenderIp(byte[] frame) => new(frame.AsSpan(28, 4));

    /// <summary>The ARP sender's hardware address.</summary>
    public static MacAddress ArpSenderMac(byte[] frame) => MacAddress.Read(frame.AsSpan(22));

    /// <summary>An ARP reply answering <paramref name="request"/>: <paramref name="ourIp"/> is at <paramref name="ourMac"/>.</summary>
    public static byte[] ArpReply(byte[] request, MacAddress ourMac, IPAddress ourIp)
    {
        var reply = new byte[42];
        var span = reply.AsSpan();
        request.AsSpan(6, 6).CopyTo(span);           // to the asker
        ourMac.WriteTo(span[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], EtherTypeArp);
        var arp = span[14..];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);        // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], EtherTypeIPv4);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 2);   // reply
        ourMac.WriteTo(arp[8..]);
        ourIp.GetAddressBytes().CopyTo(arp[14..]);
        request.AsSpan(22, 10).CopyTo(arp[18..]);             // target = the request's sender MAC + IP
        return reply;
    }

    /// <summary>True for an IPv4 ICMP echo request to <paramref name="destination"/> (<paramref name="ipOffset"/>: 14 for Ethernet, 0 for TUN).</summary>
    public static bool IsEchoRequestTo(byte[] frame, int ipOffset, IPAddress destination)
    {
        if (ipOffset == 14 && EtherType(frame) != EtherTypeIPv4)
            return false;
        var ip = frame.AsSpan(ipOffset);
        if (ip.Length < 28 || ip[0] >> 4 != 4)
            return false;
        int ihl = (ip[0] & 0xF) * 4;
        return ip[9] == 1 && ip.Length >= ihl + 8 && ip[ihl] == 8 && ip.Slice(16, 4).SequenceEqual(destination.GetAddressBytes());
    }

    /// <summary>The echo reply (RFC 792) to an echo request, addresses (and MACs, for Ethernet) swapped, checksums recomputed.</summary>
    public static byte[] EchoReply(byte[] request, int ipOffset)
    {
        var reply = request.ToArray();
        var span = reply.AsSpan();
        if (ipOffset == 14)
        {
            request.AsSpan(6, 6).CopyTo(span);
            request.AsSpan(0, 6).CopyTo(span[6..]);
        }
        var ip = span[ipOffset..];
        int ihl = (ip[0] & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        request.AsSpan(ipOffset + 12, 4).CopyTo(ip[16..]);
        request.AsSpan(ipOffset + 16, 4).CopyTo(ip[12..]);
        ip[8] = 64;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..ihl]));
        var icmp = ip[ihl..total];
        icmp[0] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
        return reply;
    }

    /// <summary>True when an Ethernet/IPv4/TCP frame's TCP checksum verifies (RFC 9293 §3.1 pseudo-header).</summary>
    public static bool TcpChecksumValid(byte[] frame)
    {
        var ip = frame.AsSpan(14);
        int ihl = (ip[0] & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        var tcp = ip[ihl..total];
        uint sum = 0;
        for (int i = 12; i < 20; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        sum += 6u + (uint)tcp.Length;
        return Checksum(tcp, sum) == 0;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint sum = 0)
    {
        for (int i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if ((data.Length & 1) != 0)
            sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
