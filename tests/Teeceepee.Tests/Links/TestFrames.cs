using System.Buffers.Binary;

namespace Teeceepee.Tests.Links;

/// <summary>Hand-built frames for link tests (independent of the Wire layer).</summary>
internal static class TestFrames
{
    /// <summary>An Ethernet frame of <paramref name="length"/> bytes whose payload encodes <paramref name="id"/>.</summary>
    public static byte[] Numbered(int id, int length = 64)
    {
        var frame = new byte[length];
        frame.AsSpan(0, 6).Fill(0xFF);
        frame[6] = 0x02;
        frame[11] = 0x01;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x88B5); // IEEE local experimental ethertype
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(14), id);
        return frame;
    }

    public static int IdOf(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt32BigEndian(frame[14..]);

    /// <summary>An Ethernet + IPv4 (UDP) frame of <paramref name="length"/> bytes with ECN field <paramref name="ecn"/>, whose id is <see cref="IPv4IdOf"/>.</summary>
    public static byte[] NumberedIPv4(int id, int length = 1514, byte ecn = 0)
    {
        var frame = new byte[length];
        var span = frame.AsSpan();
        span[..6].Fill(0x02);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], 0x0800);
        var ip = span[14..34];
        ip[0] = 0x45;
        ip[1] = ecn;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(length - 14));
        ip[8] = 64;
        ip[9] = 17;
        new byte[] { 198, 18, 0, 1 }.CopyTo(ip[12..]);
        new byte[] { 198, 18, 0, 2 }.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));
        BinaryPrimitives.WriteInt32BigEndian(span[42..], id);
        return frame;
    }

    public static int IPv4IdOf(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadInt32BigEndian(frame[42..]);

    /// <summary>True when the IPv4 header of an Ethernet frame sums to zero (a valid checksum).</summary>
    public static bool IPv4HeaderChecksumValid(ReadOnlySpan<byte> frame)
    {
        uint sum = 0;
        var ip = frame[14..34];
        for (int i = 0; i < 20; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return sum == 0xFFFF;
    }

    /// <summary>An Ethernet + IPv4 + TCP SYN-ACK, checksums filled in.</summary>
    public static byte[] TcpSynAck()
    {
        var frame = new byte[14 + 20 + 20];
        var span = frame.AsSpan();
        new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }.CopyTo(span);
        new byte[] { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }.CopyTo(span[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], 0x0800);
        var ip = span[14..34];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 40);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 0x1234);
        ip[6] = 0x40; // DF
        ip[8] = 64;
        ip[9] = 6;
        new byte[] { 198, 18, 0, 2 }.CopyTo(ip[12..]);
        new byte[] { 198, 18, 0, 1 }.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip, 0));
        var tcp = span[34..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 80);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 1000);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], 2001);
        tcp[12] = 0x50;
        tcp[13] = 0x12; // SYN | ACK
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        uint pseudo = 198 * 256 + 18 + 0 * 256 + 2 + 198 * 256 + 18 + 0 + 1 + 6 + 20;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(tcp, pseudo));
        return frame;
    }

    /// <summary>fd00::1, the peer in the IPv6 frames below.</summary>
    public static readonly byte[] PeerIPv6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

    /// <summary>fd00::2, the stack in the IPv6 frames below.</summary>
    public static readonly byte[] StackIPv6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    /// <summary>An Ethernet + IPv6 + TCP SYN-ACK from fd00::2 port 40000 to fd00::1 port 80, checksum filled in.</summary>
    public static byte[] TcpSynAckIPv6()
    {
        var tcp = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), 80);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(8), 2001);
        tcp[12] = 0x50;
        tcp[13] = 0x12; // SYN | ACK
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), 65535);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(16), Checksum(tcp, PseudoHeaderSum6(StackIPv6, PeerIPv6, 6, tcp.Length)));
        return IPv6Frame([0x02, 0x00, 0x00, 0x00, 0x00, 0x01], [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], StackIPv6, PeerIPv6, 6, 64, tcp);
    }

    /// <summary>An Ethernet + IPv6 + ICMPv6 echo request (RFC 4443 §4.1) from fd00::1 to fd00::2 with <paramref name="dataLength"/> octets of data.</summary>
    public static byte[] Icmpv6EchoRequest(ushort identifier, ushort sequence, int dataLength)
    {
        var icmp = new byte[8 + dataLength];
        icmp[0] = 128;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        for (int i = 8; i < icmp.Length; i++)
            icmp[i] = (byte)i;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), Checksum(icmp, PseudoHeaderSum6(PeerIPv6, StackIPv6, 58, icmp.Length)));
        return IPv6Frame([0x52, 0x54, 0x00, 0x12, 0x34, 0x56], [0x02, 0x00, 0x00, 0x00, 0x00, 0x01], PeerIPv6, StackIPv6, 58, 64, icmp);
    }

    /// <summary>An Ethernet frame carrying an IPv6 packet (RFC 8200 §3) with no extension headers.</summary>
    private static byte[] IPv6Frame(byte[] sourceMac, byte[] destinationMac, byte[] source, byte[] destination, byte nextHeader, byte hopLimit, byte[] payload)
    {
        var frame = new byte[14 + 40 + payload.Length];
        var span = frame.AsSpan();
        destinationMac.CopyTo(span);
        sourceMac.CopyTo(span[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], 0x86DD);
        var ip = span[14..54];
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)payload.Length);
        ip[6] = nextHeader;
        ip[7] = hopLimit;
        source.CopyTo(ip[8..]);
        destination.CopyTo(ip[24..]);
        payload.CopyTo(span[54..]);
        return frame;
    }

    /// <summary>The IPv6 pseudo-header's sum (RFC 8200 §8.1): addresses, upper-layer length, next header.</summary>
    private static uint PseudoHeaderSum6(byte[] source, byte[] destination, byte nextHeader, int length)
    {
        uint sum = 0;
        for (int i = 0; i < 16; i += 2)
            sum += (uint)(source[i] << 8 | source[i + 1]) + (uint)(destination[i] << 8 | destination[i + 1]);
        return sum + (uint)(length >> 16) + (uint)(length & 0xFFFF) + nextHeader;
    }

    /// <summary>An ARP request (RFC 826) from <paramref name="senderMac"/>/<paramref name="senderIp"/> for <paramref name="targetIp"/>.</summary>
    public static byte[] ArpRequest(byte[] senderMac, byte[] senderIp, byte[] targetIp)
    {
        var frame = new byte[42];
        var span = frame.AsSpan();
        span[..6].Fill(0xFF);
        senderMac.CopyTo(span[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], 0x0806);
        var arp = span[14..];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], 0x0800);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 1);
        senderMac.CopyTo(arp[8..]);
        senderIp.CopyTo(arp[14..]);
        targetIp.CopyTo(arp[24..]);
        return frame;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint sum)
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
