using System.Buffers.Binary;

namespace Teeceepee.Wire;

//  Extension headers (RFC 8200 §4), in the recommended order: hop-by-hop options (only first),
//  destination options, routing, fragment, destination options, upper layer. Options headers:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Next Header  |  Hdr Ext Len  |                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//  .                Options (TLVs: type, length, data)             .
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//  Routing header (§4.4): Next Header, Hdr Ext Len, Routing Type, Segments Left, type-specific data.
//  Hdr Ext Len counts 8-octet units beyond the first 8. The fragment header is in IPv6FragmentInfo.cs.

/// <summary>
/// The result of walking an IPv6 packet's extension headers: the upper-layer protocol, where it
/// starts, the fragment header if any, the Router Alert option if any. When the walk fails, the
/// problem pointer and code say what an ICMPv6 parameter problem would carry (RFC 4443 §3.4).
/// </summary>
public readonly record struct IPv6HeaderChain
{
    /// <summary>Default limit on extension headers walked.</summary>
    public const int DefaultMaxHeaders = 8;

    /// <summary>Default limit on the octets of extension headers walked.</summary>
    public const int DefaultMaxLength = 1024;

    private const byte Pad1 = 0;
    private const byte PadN = 1;
    private const byte RouterAlertType = 5;

    /// <summary>The upper-layer protocol (for a non-first fragment: the next header its fragment header names).</summary>
    public IpProtocol UpperLayer { get; init; }

    /// <summary>Where the upper-layer header starts, from the start of the IPv6 header.</summary>
    public int UpperLayerOffset { get; init; }

    /// <summary>Where the next header field that named <see cref="UpperLayer"/> is, from the start of the IPv6 header.</summary>
    public int NextHeaderOffset { get; init; }

    /// <summary>How many extension headers were walked.</summary>
    public int HeaderCount { get; init; }

    /// <summary>The fragment header, when the packet has one.</summary>
    public IPv6FragmentInfo? Fragment { get; init; }

    /// <summary>The value of a Router Alert option in the hop-by-hop header (RFC 2711; 0 = MLD), when present.</summary>
    public ushort? RouterAlert { get; init; }

    /// <summary>After a failed walk: the octet offset a parameter problem points at (-1 when none applies).</summary>
    public int ProblemPointer { get; init; }

    /// <summary>After a failed walk: the parameter problem code that fits the reason.</summary>
    public Icmpv6ParameterProblemCode ProblemCode { get; init; }

    /// <summary>After <see cref="WireError.UnrecognizedOption"/>: what the option's type says to do (RFC 8200 §4.2).</summary>
    public IPv6OptionAction OptionAction { get; init; }

    /// <summary>True when the upper-layer header starts inside the packet (false for "no next header" and non-first fragments).</summary>
    public bool HasUpperLayer => UpperLayer != IpProtocol.NoNextHeader && (Fragment is not { } f || f.Offset == 0);

    /// <summary>Walks with the default limits.</summary>
    public static bool TryParse(in IPv6Packet packet, out IPv6HeaderChain chain, out WireError reason) =>
        TryParse(packet.Buffer, DefaultMaxHeaders, DefaultMaxLength, out chain, out reason);

    /// <summary>
    /// Walks the extension headers of <paramref name="packet"/> (a whole IPv6 packet, fixed header
    /// first; a quoted one may be truncated after its headers). Hop-by-hop only first (§4.1);
    /// options walked: Pad1, PadN, Router Alert, unknown types by their action bits (§4.2); routing
    /// headers with segments left refused (type 0 per RFC 5095 §3), ignored when none are left (§4.4);
    /// one fragment header (§4.5), after which a non-first fragment's walk stops; the walk ends at TCP,
    /// UDP, ICMPv6 or "no next header" (§4.7), any other value is <see cref="WireError.UnknownNextHeader"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, int maxHeaders, int maxLength, out IPv6HeaderChain chain, out WireError reason)
    {
        chain = new IPv6HeaderChain { ProblemPointer = -1 };
        if (packet.Length < IPv6Packet.HeaderLength)
            return Fail(ref chain, out reason, WireError.TruncatedHeader, -1, default);

        int nextHeaderOffset = IPv6Packet.Field.NextHeader;
        int offset = IPv6Packet.HeaderLength;
        int count = 0;
        IPv6FragmentInfo? fragment = null;
        ushort? routerAlert = null;
        while (true)
        {
            var next = (IpProtocol)packet[nextHeaderOffset];
            switch (next)
            {
                case IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Icmpv6 or IpProtocol.NoNextHeader:
                    chain = chain with { UpperLayer = next, UpperLayerOffset = offset, NextHeaderOffset = nextHeaderOffset, HeaderCount = count, Fragment = fragment, RouterAlert = routerAlert };
                    reason = WireError.None;
                    return true;
                case IpProtocol.HopByHop or IpProtocol.IPv6DestinationOptions or IpProtocol.IPv6Routing or IpProtocol.IPv6Fragment:
                    break;
                default:
                    return Fail(ref chain, out reason, WireError.UnknownNextHeader, nextHeaderOffset, Icmpv6ParameterProblemCode.UnrecognizedNextHeader);
            }
            if (next == IpProtocol.HopByHop && offset != IPv6Packet.HeaderLength)
                return Fail(ref chain, out reason, WireError.MisplacedHopByHop, nextHeaderOffset, Icmpv6ParameterProblemCode.UnrecognizedNextHeader);
            if (++count > maxHeaders)
                return Fail(ref chain, out reason, WireError.TooManyExtensionHeaders, -1, default);
            if (offset + 8 > packet.Length)
                return Fail(ref chain, out reason, WireError.BadExtensionHeader, -1, default);

            int length = next == IpProtocol.IPv6Fragment ? IPv6FragmentInfo.HeaderLength : (packet[offset + 1] + 1) * 8;
            if (offset + length > packet.Length)
                return Fail(ref chain, out reason, WireError.BadExtensionHeader, offset + 1, Icmpv6ParameterProblemCode.ErroneousHeaderField);
            if (offset + length - IPv6Packet.HeaderLength > maxLength)
                return Fail(ref chain, out reason, WireError.TooManyExtensionHeaders, -1, default);

            var header = packet.Slice(offset, length);
            switch (next)
            {
                case IpProtocol.HopByHop or IpProtocol.IPv6DestinationOptions:
                    if (!WalkOptions(header, offset, next == IpProtocol.HopByHop, ref routerAlert, ref chain, out reason))
                        return false;
                    break;
                case IpProtocol.IPv6Routing when header[3] != 0:
                    // §4.4: an unrecognised routing type with segments left is an error pointing at the type.
                    return Fail(ref chain, out reason, header[2] == 0 ? WireError.RoutingType0 : WireError.UnsupportedRoutingType,
                        offset + 2, Icmpv6ParameterProblemCode.ErroneousHeaderField);
                case IpProtocol.IPv6Fragment:
                    if (fragment is not null)
                        return Fail(ref chain, out reason, WireError.BadExtensionHeader, nextHeaderOffset, Icmpv6ParameterProblemCode.UnrecognizedNextHeader);
                    ushort field = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
                    var info = new IPv6FragmentInfo((IpProtocol)header[0], field & 0xFFF8, (field & 1) != 0,
                        BinaryPrimitives.ReadUInt32BigEndian(header[4..]), offset);
                    fragment = info;
                    if (info.Offset != 0)
                    {
                        // §4.5: the headers after a non-first fragment's fragment header are only meaningful reassembled.
                        chain = chain with { UpperLayer = info.NextHeader, UpperLayerOffset = offset + length, NextHeaderOffset = offset, HeaderCount = count, Fragment = fragment, RouterAlert = routerAlert };
                        reason = WireError.None;
                        return true;
                    }
                    break;
            }
            nextHeaderOffset = offset;
            offset += length;
        }
    }

    // RFC 8200 §4.2: type-length-value options; Pad1 is a single octet.
    private static bool WalkOptions(ReadOnlySpan<byte> header, int headerOffset, bool hopByHop, ref ushort? routerAlert,
        ref IPv6HeaderChain chain, out WireError reason)
    {
        int i = 2;
        while (i < header.Length)
        {
            byte type = header[i];
            if (type == Pad1)
            {
                i++;
                continue;
            }
            if (i + 2 > header.Length || i + 2 + header[i + 1] > header.Length)
                return Fail(ref chain, out reason, WireError.BadExtensionOption, headerOffset + i + 1, Icmpv6ParameterProblemCode.ErroneousHeaderField);
            int dataLength = header[i + 1];
            if (type == PadN)
            {
                // nothing to do: padding
            }
            else if (type == RouterAlertType && hopByHop)
            {
                // RFC 2711 §2.1: length 2, a 16-bit value.
                if (dataLength != 2)
                    return Fail(ref chain, out reason, WireError.BadExtensionOption, headerOffset + i + 1, Icmpv6ParameterProblemCode.ErroneousHeaderField);
                routerAlert = BinaryPrimitives.ReadUInt16BigEndian(header[(i + 2)..]);
            }
            else if ((type >> 6) != 0)
            {
                chain = chain with { OptionAction = (IPv6OptionAction)(type >> 6) };
                return Fail(ref chain, out reason, WireError.UnrecognizedOption, headerOffset + i, Icmpv6ParameterProblemCode.UnrecognizedOption);
            }
            i += 2 + dataLength;
        }
        reason = WireError.None;
        return true;
    }

    private static bool Fail(ref IPv6HeaderChain chain, out WireError reason, WireError error, int pointer, Icmpv6ParameterProblemCode code)
    {
        chain = chain with { ProblemPointer = pointer, ProblemCode = code };
        reason = error;
        return false;
    }
}
