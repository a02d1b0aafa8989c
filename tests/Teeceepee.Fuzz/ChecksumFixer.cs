using System.Buffers.Binary;
using Teeceepee.Wire;

namespace Teeceepee.Fuzz;

/// <summary>
/// Recomputes the checksums of a mutated frame so the fuzzer gets past the checksum checks into
/// the protocol logic. Best effort and never throws: a frame it cannot make sense of is left alone.
/// </summary>
public static class ChecksumFixer
{
    /// <summary>
    /// Fixes, in place, the IPv4 header checksum and (unfragmented datagrams) TCP, UDP and ICMP's; for IPv6, TCP, UDP
    /// and ICMPv6's behind any hop-by-hop, destination options and routing headers (not in fragments).
    /// </summary>
    public static void Fix(Span<byte> frame)
    {
        const int ethernet = 14;
        if (frame.Length >= ethernet + 40 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x86DD)
        {
            FixIPv6(frame[ethernet..]);
            return;
        }
        if (frame.Length < ethernet + 20 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800)
            return;
        var ip = frame[ethernet..];
        int headerLength = (ip[0] & 0x0F) * 4;
        if (headerLength < 20 || headerLength > ip.Length)
            return;
        // RFC 791 §3.1: the header checksum covers the header only.
        ip[10] = 0;
        ip[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..headerLength]));

        int totalLength = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(ip[2..]), ip.Length);
        bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0;
        if (fragment || totalLength < headerLength)
            return;
        var payload = ip[headerLength..totalLength];
        var source = IPv4Address.Read(ip[12..]);
        var destination = IPv4Address.Read(ip[16..]);
        byte protocol = ip[9];
        switch (protocol)
        {
            case 1 when payload.Length >= 4:
                // RFC 792: over the ICMP message, no pseudo-header.
                payload[2] = 0;
                payload[3] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(payload[2..], Checksum.Compute(payload));
                break;
            case 6 when payload.Length >= 20:
                // RFC 9293 §3.1: pseudo-header + segment.
                payload[16] = 0;
                payload[17] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(payload[16..], Checksum.Fold(Checksum.Sum(payload, Checksum.PseudoHeader(source, destination, protocol, payload.Length))));
                break;
            case 17 when payload.Length >= 8:
                // RFC 768: pseudo-header + datagram, over the UDP length's octets.
                int udpLength = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
                if (udpLength < 8 || udpLength > payload.Length)
                    return;
                var datagram = payload[..udpLength];
                datagram[6] = 0;
                datagram[7] = 0;
                ushort sum = Checksum.Fold(Checksum.Sum(datagram, Checksum.PseudoHeader(source, destination, protocol, udpLength)));
                BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], sum == 0 ? (ushort)0xFFFF : sum);
                break;
        }
    }

    private static void FixIPv6(Span<byte> ip)
    {
        int end = Math.Min(40 + BinaryPrimitives.ReadUInt16BigEndian(ip[4..]), ip.Length);
        var source = IPv6Address.Read(ip[8..]);
        var destination = IPv6Address.Read(ip[24..]);
        byte next = ip[6];
        int offset = 40;
        // RFC 8200 §4: walk the extension headers whose length is (octet 1 + 1) × 8; a fragment has no whole checksum.
        for (int i = 0; i < 8 && next is 0 or 43 or 60; i++)
        {
            if (offset + 2 > end)
                return;
            byte following = ip[offset];
            offset += (ip[offset + 1] + 1) * 8;
            next = following;
        }
        if (offset > end)
            return;
        var payload = ip[offset..end];
        int checksumAt = next switch
        {
            6 when payload.Length >= 20 => 16,    // RFC 9293 §3.1
            17 when payload.Length >= 8 => 6,     // RFC 768, RFC 8200 §8.1
            58 when payload.Length >= 4 => 2,     // RFC 4443 §2.3
            _ => -1,
        };
        if (checksumAt < 0)
            return;
        if (next == 17)
        {
            int udpLength = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
            if (udpLength < 8 || udpLength > payload.Length)
                return;
            payload = payload[..udpLength];
        }
        payload[checksumAt] = 0;
        payload[checksumAt + 1] = 0;
        ushort sum = Checksum.Fold(Checksum.Sum(payload, Checksum.PseudoHeader(source, destination, next, payload.Length)));
        BinaryPrimitives.WriteUInt16BigEndian(payload[checksumAt..], next == 17 && sum == 0 ? (ushort)0xFFFF : sum);
    }
}
