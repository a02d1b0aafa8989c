using CsCheck;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

/// <summary>CsCheck generators and byte helpers shared by the wire tests.</summary>
internal static class WireGen
{
    /// <summary>Property-test cases per format (the brief asks for at least 100k).</summary>
    public const int Iterations = 100_000;

    /// <summary>Cases for the slower PacketDotNet differential tests.</summary>
    public const int OracleIterations = 20_000;

    public static readonly Gen<MacAddress> Mac = Gen.ULong.Select(v => MacAddress.FromUInt64(v & 0xFFFF_FFFF_FFFFUL));

    public static readonly Gen<IPv4Address> Address = Gen.UInt.Select(v => new IPv4Address(v));

    /// <summary>Addresses that may appear as an IPv4 source (not broadcast, not multicast).</summary>
    public static readonly Gen<IPv4Address> SourceAddress = Address.Where(a => !a.IsBroadcast && !a.IsMulticast);

    /// <summary>Random bytes of length 0..max.</summary>
    public static Gen<byte[]> Bytes(int max) => Gen.Byte.Array[0, max];

    /// <summary>Random mutations of a valid packet: seed for flips, and a new length (shorter, equal or longer).</summary>
    public static readonly Gen<(int Seed, int Flips, int LengthDelta)> Mutation =
        Gen.Select(Gen.Int, Gen.Int[0, 4], Gen.Int[-40, 8]);

    /// <summary>Applies a mutation: flips 0..4 random bytes to random values and cuts or extends the buffer.</summary>
    public static byte[] Mutate(byte[] valid, (int Seed, int Flips, int LengthDelta) m)
    {
        var random = new Random(m.Seed);
        // Deltas below -20 keep the length, so about half the cases are same-length corruptions.
        int length = Math.Max(0, valid.Length + (m.LengthDelta < -20 ? 0 : m.LengthDelta));
        var bytes = new byte[length];
        valid.AsSpan(0, Math.Min(valid.Length, length)).CopyTo(bytes);
        for (int i = 0; i < m.Flips && length > 0; i++)
            bytes[random.Next(length)] = (byte)random.Next(256);
        return bytes;
    }

    /// <summary>Recomputes the IPv4 header checksum of a crafted packet in place.</summary>
    public static byte[] FixIPv4Checksum(byte[] packet)
    {
        int headerLength = (packet[0] & 0xF) * 4;
        packet[10] = 0;
        packet[11] = 0;
        ushort c = Checksum.Compute(packet.AsSpan(0, headerLength));
        packet[10] = (byte)(c >> 8);
        packet[11] = (byte)c;
        return packet;
    }

    /// <summary>Recomputes the checksum of a crafted ICMP message in place.</summary>
    public static byte[] FixIcmpChecksum(byte[] message)
    {
        message[2] = 0;
        message[3] = 0;
        ushort c = Checksum.Compute(message);
        message[2] = (byte)(c >> 8);
        message[3] = (byte)c;
        return message;
    }
}
