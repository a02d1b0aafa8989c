namespace Teeceepee.Wire;

/// <summary>
/// The hop-by-hop options header we emit (RFC 8200 §4.3): one Router Alert option (RFC 2711 §2.1;
/// value 0 = MLD) padded to 8 octets with PadN, as MLDv2 reports need (RFC 3810 §5). Parsing is
/// <see cref="IPv6HeaderChain"/>'s job.
/// </summary>
//   | Next Header | Hdr Ext Len = 0 | 05 | 02 | value (2) | PadN: 01 | 00 |
public readonly record struct IPv6HopByHopRepr(IpProtocol NextHeader, ushort RouterAlert = 0)
{
    /// <summary>Octets of the header.</summary>
    public const int HeaderLength = 8;

    /// <summary>The Router Alert value for MLD messages (RFC 2711 §2.1).</summary>
    public const ushort RouterAlertMld = 0;

    /// <summary>Octets <see cref="Emit"/> writes.</summary>
    public int BufferLength => HeaderLength;

    /// <summary>Writes the 8-octet header at the start of <paramref name="buffer"/>.</summary>
    public void Emit(Span<byte> buffer)
    {
        buffer[0] = (byte)NextHeader;
        buffer[1] = 0;
        buffer[2] = 5;
        buffer[3] = 2;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], RouterAlert);
        buffer[6] = 1;
        buffer[7] = 0;
    }
}
