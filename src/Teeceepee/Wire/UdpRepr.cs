using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>A UDP header as the stack sees it. The data travels beside it.</summary>
/// <remarks>
/// Emitting is "payload already in place": the caller writes the data at offset
/// <see cref="HeaderLength"/> of a span <see cref="BufferLength"/> long (typically straight into the
/// frame), then <see cref="Emit(Span{byte}, IPv4Address, IPv4Address)"/> writes the header and the
/// checksum over pseudo-header, header and data.
/// </remarks>
public readonly record struct UdpRepr
{
    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = UdpDatagram.HeaderLength;

    /// <summary>Source port.</summary>
    public ushort SourcePort { get; init; }

    /// <summary>Destination port.</summary>
    public ushort DestinationPort { get; init; }

    /// <summary>Octets of data after the header.</summary>
    public int PayloadLength { get; init; }

    /// <summary>Header plus data: the length field.</summary>
    public int BufferLength => HeaderLength + PayloadLength;

    /// <summary>Builds a header.</summary>
    public UdpRepr(ushort sourcePort, ushort destinationPort, int payloadLength)
    {
        SourcePort = sourcePort;
        DestinationPort = destinationPort;
        PayloadLength = payloadLength;
    }

    /// <summary>
    /// Decodes a parsed datagram carried from <paramref name="source"/> to <paramref name="destination"/>:
    /// the checksum verifies (unless <paramref name="verifyChecksum"/> is false, or the field is zero)
    /// and the destination port is not zero (<see cref="WireError.BadPort"/>). A zero source port is
    /// legal ("no reply expected", RFC 768).
    /// </summary>
    public static bool TryParse(in UdpDatagram datagram, IPv4Address source, IPv4Address destination, bool verifyChecksum, out UdpRepr repr, out WireError reason)
    {
        repr = default;
        if (verifyChecksum && !datagram.IsChecksumValid(source, destination))
        {
            reason = WireError.BadChecksum;
            return false;
        }
        if (datagram.DestinationPort == 0)
        {
            reason = WireError.BadPort;
            return false;
        }
        repr = new UdpRepr(datagram.SourcePort, datagram.DestinationPort, datagram.Length - HeaderLength);
        reason = WireError.None;
        return true;
    }

    /// <summary>
    /// Decodes a parsed datagram carried between addresses of either family. IPv4 behaves as the
    /// <see cref="IPv4Address"/> overload; over IPv6 a zero checksum field is <see cref="WireError.ZeroUdpChecksum"/>
    /// even when the link verified the checksum (RFC 8200 §8.1).
    /// </summary>
    public static bool TryParse(in UdpDatagram datagram, NetAddress source, NetAddress destination, bool verifyChecksum, out UdpRepr repr, out WireError reason)
    {
        if (source.IsIPv4 && destination.IsIPv4)
            return TryParse(datagram, source.V4, destination.V4, verifyChecksum, out repr, out reason);
        repr = default;
        if (datagram.Checksum == 0)
        {
            reason = WireError.ZeroUdpChecksum;
            return false;
        }
        if (verifyChecksum && !datagram.IsChecksumValid(source, destination))
        {
            reason = WireError.BadChecksum;
            return false;
        }
        return TryParse(datagram, default(IPv4Address), default, verifyChecksum: false, out repr, out reason);
    }

    /// <summary>
    /// Writes the header and checksum into <paramref name="buffer"/> (exactly <see cref="BufferLength"/>
    /// octets, or longer: only that prefix is used), whose data the caller has already written at offset
    /// <see cref="HeaderLength"/>. A computed checksum of zero is sent as 0xFFFF (RFC 768).
    /// </summary>
    public void Emit(Span<byte> buffer, IPv4Address source, IPv4Address destination) =>
        Emit(buffer, Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Udp, BufferLength));

    /// <summary>As the <see cref="IPv4Address"/> overload, with the pseudo-header of either family (RFC 8200 §8.1 for IPv6).</summary>
    public void Emit(Span<byte> buffer, NetAddress source, NetAddress destination) =>
        Emit(buffer, Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Udp, BufferLength));

    /// <summary>Copies <paramref name="payload"/> after the header, then emits as the in-place overload of either family.</summary>
    public void Emit(Span<byte> buffer, ReadOnlySpan<byte> payload, NetAddress source, NetAddress destination)
    {
        payload.CopyTo(buffer[HeaderLength..]);
        Emit(buffer, source, destination);
    }

    private void Emit(Span<byte> buffer, uint pseudoHeader)
    {
        buffer = buffer[..BufferLength];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpDatagram.Field.DestinationPort..], DestinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpDatagram.Field.Length..], (ushort)BufferLength);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpDatagram.Field.Checksum..], 0);
        ushort checksum = Checksum.Fold(Checksum.Sum(buffer, pseudoHeader));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[UdpDatagram.Field.Checksum..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }

    /// <summary>Copies <paramref name="payload"/> (<see cref="PayloadLength"/> octets) after the header, then emits as the in-place overload.</summary>
    public void Emit(Span<byte> buffer, ReadOnlySpan<byte> payload, IPv4Address source, IPv4Address destination)
    {
        payload.CopyTo(buffer[HeaderLength..]);
        Emit(buffer, source, destination);
    }
}
