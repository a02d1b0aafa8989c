using System.Buffers.Binary;
using Teeceepee.Wire;

namespace Teeceepee.Links;

/// <summary>Marks an ECN-capable IP packet Congestion Experienced in place, as a router's AQM does (RFC 3168 §5).</summary>
internal static class EcnMarking
{
    private const byte EcnMask = 0b11;
    private const byte CongestionExperienced = 0b11;

    /// <summary>
    /// Sets CE on an IPv4 or IPv6 packet whose ECN field is ECT(0) or ECT(1), fixing the IPv4 header checksum
    /// (RFC 1624). False for anything else: Not-ECT (a router drops those instead), already CE, not IP, too short.
    /// </summary>
    /// <param name="frame">The frame.</param>
    /// <param name="linkHeaderLength">14 for Ethernet (the EtherType says the family), 0 for bare IP (the version nibble does).</param>
    internal static bool TryMarkCe(Span<byte> frame, int linkHeaderLength)
    {
        int version;
        if (linkHeaderLength > 0)
        {
            if (frame.Length < linkHeaderLength + 1)
                return false;
            version = BinaryPrimitives.ReadUInt16BigEndian(frame[(linkHeaderLength - 2)..]) switch { 0x0800 => 4, 0x86DD => 6, _ => 0 };
        }
        else
        {
            version = frame.IsEmpty ? 0 : frame[0] >> 4;
        }
        var ip = frame[linkHeaderLength..];
        if (version == 4 && ip.Length >= 20 && ip[0] >> 4 == 4)
        {
            // The ECN field is the low two bits of the second octet (RFC 3168 §5).
            byte ecn = (byte)(ip[1] & EcnMask);
            if (ecn is 0 or CongestionExperienced)
                return false;
            ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(ip);
            ip[1] |= CongestionExperienced;
            ushort newWord = BinaryPrimitives.ReadUInt16BigEndian(ip);
            ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(ip[10..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Update(checksum, oldWord, newWord));
            return true;
        }
        if (version == 6 && ip.Length >= 40 && ip[0] >> 4 == 6)
        {
            // Traffic class spans octets 0-1; its low two bits (bits 4-5 of octet 1) are the ECN field. No header checksum.
            byte ecn = (byte)((ip[1] >> 4) & EcnMask);
            if (ecn is 0 or CongestionExperienced)
                return false;
            ip[1] |= CongestionExperienced << 4;
            return true;
        }
        return false;
    }
}
