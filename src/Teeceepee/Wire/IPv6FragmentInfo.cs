namespace Teeceepee.Wire;

//  IPv6 fragment header (RFC 8200 §4.5):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         Identification                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// A fragment header as the stack sees it: parsed by <see cref="IPv6HeaderChain"/>, emitted with
/// <see cref="Emit"/> (8 octets) between the unfragmentable part and the fragment's data.
/// </summary>
/// <param name="NextHeader">The first header of the fragmentable part (of the original packet).</param>
/// <param name="Offset">Offset of this fragment's data in the fragmentable part, in octets (a multiple of 8).</param>
/// <param name="MoreFragments">The M flag.</param>
/// <param name="Identification">The identification shared by all fragments of one packet.</param>
/// <param name="HeaderOffset">Where the fragment header starts, from the start of the IPv6 header (0 when building one).</param>
public readonly record struct IPv6FragmentInfo(IpProtocol NextHeader, int Offset, bool MoreFragments, uint Identification, int HeaderOffset = 0)
{
    /// <summary>Octets in a fragment header.</summary>
    public const int HeaderLength = 8;

    /// <summary>An atomic fragment: offset 0 and no more fragments, to be processed in isolation (RFC 6946 §4).</summary>
    public bool IsAtomic => Offset == 0 && !MoreFragments;

    /// <summary>Octets <see cref="Emit"/> writes.</summary>
    public int BufferLength => HeaderLength;

    /// <summary>Writes the 8-octet header at the start of <paramref name="buffer"/>.</summary>
    public void Emit(Span<byte> buffer)
    {
        buffer[0] = (byte)NextHeader;
        buffer[1] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)((Offset & 0xFFF8) | (MoreFragments ? 1 : 0)));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], Identification);
    }
}
