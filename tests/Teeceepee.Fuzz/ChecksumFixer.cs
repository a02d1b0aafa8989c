using System.Buffers.Binary;
using Teeceepee.Wire;

namespace Teeceepee.Fuzz;

/// <summary>
/// Recomputes the checksums of a mutated frame so the fuzzer gets past the checksum checks into
/// the protocol logic. Best effort and never throws: a frame it cannot make sense of is left alone.
/// </summary>
public static class ChecksumFixer
{
    /// <summary>Fixes, in place, the IPv4 header checksum and (unfragmented datagrams) TCP, UDP and ICMP's.</summary>
    public static void Fix(Span<byte> frame)
    {
        const int ethernet = 14;
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
}
