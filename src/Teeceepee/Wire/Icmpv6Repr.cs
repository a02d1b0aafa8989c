using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>
/// An ICMPv6 error or echo message (RFC 4443): echo request and reply, destination unreachable, packet
/// too big, time exceeded and parameter problem. The data (echo payload, or the invoking packet of an
/// error) travels beside it. NDP messages are <see cref="NdpRepr"/>, MLDv2 reports <see cref="MldReportRepr"/>.
/// </summary>
/// <remarks>
/// Emitting is "payload already in place": the caller writes the data at offset <see cref="HeaderLength"/>
/// of a span <see cref="BufferLength"/> long, then <see cref="Emit(Span{byte}, IPv6Address, IPv6Address)"/>
/// writes the header and the checksum over pseudo-header and message.
/// </remarks>
public readonly record struct Icmpv6Repr
{
    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = Icmpv6Packet.HeaderLength;

    /// <summary>The most an error message may be: it must fit the IPv6 minimum MTU of 1280 octets (RFC 4443 §2.4 (c)).</summary>
    public const int MaxErrorLength = 1280 - IPv6Packet.HeaderLength;

    /// <summary>The message type.</summary>
    public Icmpv6Type Type { get; init; }

    /// <summary>The code.</summary>
    public byte Code { get; init; }

    /// <summary>Echo identifier (zero for errors).</summary>
    public ushort Identifier { get; init; }

    /// <summary>Echo sequence number (zero for errors).</summary>
    public ushort SequenceNumber { get; init; }

    /// <summary>The MTU of packet too big (RFC 4443 §3.2); zero otherwise.</summary>
    public uint Mtu { get; init; }

    /// <summary>The pointer of parameter problem (RFC 4443 §3.4); zero otherwise.</summary>
    public uint Pointer { get; init; }

    /// <summary>Octets after the header: echo data, or the invoking packet of an error.</summary>
    public int DataLength { get; init; }

    /// <summary>Header plus data.</summary>
    public int BufferLength => HeaderLength + DataLength;

    /// <summary>True for the error types (0..127, RFC 4443 §2.1).</summary>
    public bool IsError => (byte)Type < 128;

    /// <summary>An echo request template.</summary>
    public static Icmpv6Repr EchoRequest(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new() { Type = Icmpv6Type.EchoRequest, Identifier = identifier, SequenceNumber = sequenceNumber, DataLength = dataLength };

    /// <summary>The echo reply to a request (same identifier, sequence number and data, RFC 4443 §4.2).</summary>
    public static Icmpv6Repr EchoReply(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new() { Type = Icmpv6Type.EchoReply, Identifier = identifier, SequenceNumber = sequenceNumber, DataLength = dataLength };

    /// <summary>A destination unreachable quoting <paramref name="quotedLength"/> octets of the invoking packet.</summary>
    public static Icmpv6Repr DestinationUnreachable(Icmpv6UnreachableCode code, int quotedLength) =>
        new() { Type = Icmpv6Type.DestinationUnreachable, Code = (byte)code, DataLength = quotedLength };

    /// <summary>A packet too big carrying the next-hop <paramref name="mtu"/>.</summary>
    public static Icmpv6Repr PacketTooBig(uint mtu, int quotedLength) =>
        new() { Type = Icmpv6Type.PacketTooBig, Mtu = mtu, DataLength = quotedLength };

    /// <summary>A time exceeded quoting <paramref name="quotedLength"/> octets of the invoking packet.</summary>
    public static Icmpv6Repr TimeExceeded(Icmpv6TimeExceededCode code, int quotedLength) =>
        new() { Type = Icmpv6Type.TimeExceeded, Code = (byte)code, DataLength = quotedLength };

    /// <summary>A parameter problem pointing at octet <paramref name="pointer"/> of the invoking packet.</summary>
    public static Icmpv6Repr ParameterProblem(Icmpv6ParameterProblemCode code, uint pointer, int quotedLength) =>
        new() { Type = Icmpv6Type.ParameterProblem, Code = (byte)code, Pointer = pointer, DataLength = quotedLength };

    /// <summary>
    /// Decodes a parsed echo or error message. Other types (NDP, MLD, unknown), unknown codes, and errors
    /// that do not quote at least an IPv6 header (version 6) are <see cref="WireError.UnsupportedIcmpv6"/>.
    /// </summary>
    public static bool TryParse(in Icmpv6Packet packet, out Icmpv6Repr repr, out WireError reason)
    {
        repr = default;
        var type = packet.Type;
        byte code = packet.Code;
        int dataLength = packet.Data.Length;
        bool quotes = QuotesIPv6Header(packet.Data);
        switch (type)
        {
            case Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply:
                // RFC 4443 §4.1 says code 0; like Linux we accept any code (carried in Code).
                repr = new Icmpv6Repr { Type = type, Code = code, Identifier = packet.Identifier, SequenceNumber = packet.SequenceNumber, DataLength = dataLength };
                break;
            case Icmpv6Type.DestinationUnreachable when code <= (byte)Icmpv6UnreachableCode.SourceRoutingError && quotes:
            case Icmpv6Type.TimeExceeded when code <= (byte)Icmpv6TimeExceededCode.ReassemblyTimeExceeded && quotes:
                repr = new Icmpv6Repr { Type = type, Code = code, DataLength = dataLength };
                break;
            case Icmpv6Type.PacketTooBig when quotes:
                // §3.2: the code is set to 0 by the sender and ignored by the receiver.
                repr = new Icmpv6Repr { Type = type, Code = code, Mtu = packet.Mtu, DataLength = dataLength };
                break;
            case Icmpv6Type.ParameterProblem when code <= (byte)Icmpv6ParameterProblemCode.IncompleteHeaderChain && quotes:
                repr = new Icmpv6Repr { Type = type, Code = code, Pointer = packet.Pointer, DataLength = dataLength };
                break;
            default:
                reason = WireError.UnsupportedIcmpv6;
                return false;
        }
        reason = WireError.None;
        return true;
    }

    private static bool QuotesIPv6Header(ReadOnlySpan<byte> quoted) =>
        quoted.Length >= IPv6Packet.HeaderLength && quoted[0] >> 4 == 6;

    /// <summary>
    /// Writes the header and the checksum into <paramref name="buffer"/> (exactly <see cref="BufferLength"/>
    /// octets, or longer: only that prefix is used), whose data the caller has already written at offset
    /// <see cref="HeaderLength"/>.
    /// </summary>
    public void Emit(Span<byte> buffer, IPv6Address source, IPv6Address destination)
    {
        buffer = buffer[..BufferLength];
        buffer[Icmpv6Packet.Field.Type] = (byte)Type;
        buffer[Icmpv6Packet.Field.Code] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[Icmpv6Packet.Field.Checksum..], 0);
        uint rest = Type switch
        {
            Icmpv6Type.EchoRequest or Icmpv6Type.EchoReply => ((uint)Identifier << 16) | SequenceNumber,
            Icmpv6Type.PacketTooBig => Mtu,
            Icmpv6Type.ParameterProblem => Pointer,
            _ => 0,
        };
        BinaryPrimitives.WriteUInt32BigEndian(buffer[Icmpv6Packet.Field.Identifier..], rest);
        WriteChecksum(buffer, source, destination);
    }

    /// <summary>Copies <paramref name="data"/> (<see cref="DataLength"/> octets) after the header, then emits as the in-place overload.</summary>
    public void Emit(Span<byte> buffer, ReadOnlySpan<byte> data, IPv6Address source, IPv6Address destination)
    {
        data.CopyTo(buffer[HeaderLength..]);
        Emit(buffer, source, destination);
    }

    /// <summary>Fills the checksum field of an ICMPv6 <paramref name="message"/> (RFC 4443 §2.3); the field is zeroed first.</summary>
    public static void WriteChecksum(Span<byte> message, IPv6Address source, IPv6Address destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message[Icmpv6Packet.Field.Checksum..], 0);
        uint pseudo = Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Icmpv6, message.Length);
        BinaryPrimitives.WriteUInt16BigEndian(message[Icmpv6Packet.Field.Checksum..], Checksum.Fold(Checksum.Sum(message, pseudo)));
    }
}
