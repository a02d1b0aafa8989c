using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  Neighbor discovery option (RFC 4861 §4.6): Type (1), Length (1, in units of 8 octets, never 0), data.
//
//   Link-layer address (1, 2):  | Type | Len=1 | 6-octet Ethernet address |
//   Prefix information (3):     | Type | Len=4 | Prefix Len |L|A| rsvd | Valid Lifetime | Preferred Lifetime |
//                               | Reserved2 (4) | Prefix (16) |
//   MTU (5):                    | Type | Len=1 | Reserved (2) | MTU (4) |
//   RDNSS (25, RFC 8106 §5.1):  | Type | Len=1+2n | Reserved (2) | Lifetime (4) | n addresses (16 each) |

/// <summary>A view of one neighbor discovery option, validated by <see cref="NdpOptionReader"/>.</summary>
public readonly ref struct NdpOption
{
    private readonly ReadOnlySpan<byte> _buffer;

    internal NdpOption(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>The option type (any value; unknown types are skipped by length).</summary>
    public NdpOptionType Type => (NdpOptionType)_buffer[0];

    /// <summary>The length in octets (the field × 8).</summary>
    public int Length => _buffer.Length;

    /// <summary>The octets after type and length.</summary>
    public ReadOnlySpan<byte> Data => _buffer[2..];

    /// <summary>The whole option.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>The Ethernet address of a source or target link-layer address option.</summary>
    public MacAddress LinkLayerAddress => MacAddress.Read(_buffer[2..]);

    /// <summary>The contents of a prefix information option.</summary>
    public NdpPrefixInformation PrefixInformation => new(
        _buffer[2], (_buffer[3] & 0x80) != 0, (_buffer[3] & 0x40) != 0,
        BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]), BinaryPrimitives.ReadUInt32BigEndian(_buffer[8..]),
        IPv6Address.Read(_buffer[16..]));

    /// <summary>The MTU of an MTU option.</summary>
    public uint Mtu => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);

    /// <summary>The lifetime in seconds of an RDNSS option.</summary>
    public uint RdnssLifetime => BinaryPrimitives.ReadUInt32BigEndian(_buffer[4..]);

    /// <summary>How many servers an RDNSS option lists.</summary>
    public int RdnssCount => (_buffer.Length - 8) / 16;

    /// <summary>Server <paramref name="index"/> (0 .. <see cref="RdnssCount"/> − 1) of an RDNSS option.</summary>
    public IPv6Address GetRdnssServer(int index) => IPv6Address.Read(_buffer.Slice(8 + 16 * index, 16));

    /// <summary>The first one or two servers of an RDNSS option, with the lifetime.</summary>
    public NdpRdnss Rdnss => new(RdnssLifetime, GetRdnssServer(0), RdnssCount > 1 ? GetRdnssServer(1) : null);

    /// <summary>The invoking packet's octets a redirected header option carries (after its 6 reserved octets).</summary>
    public ReadOnlySpan<byte> RedirectedPacket => _buffer[8..];
}
