using System.Buffers.Binary;

namespace Teeceepee.Wire;

/// <summary>
/// An ICMPv4 message we decode: echo request and reply, destination unreachable (all codes),
/// time exceeded and parameter problem. The data (echo payload, or the quoted datagram of an error) travels beside it.
/// </summary>
/// <remarks>
/// Emitting is "payload already in place": the caller writes the data at offset
/// <see cref="HeaderLength"/> of a span <see cref="BufferLength"/> long, then <see cref="Emit(Span{byte})"/>
/// writes the header and the checksum over the whole message.
/// </remarks>
public readonly record struct IcmpRepr
{
    /// <summary>Octets in the header.</summary>
    public const int HeaderLength = IcmpPacket.HeaderLength;

    /// <summary>The message type.</summary>
    public IcmpType Type { get; init; }

    /// <summary>The code (0 for echo; see <see cref="IcmpUnreachableCode"/> and <see cref="IcmpTimeExceededCode"/>).</summary>
    public byte Code { get; init; }

    /// <summary>Echo identifier (zero for errors).</summary>
    public ushort Identifier { get; init; }

    /// <summary>Echo sequence number (zero for errors).</summary>
    public ushort SequenceNumber { get; init; }

    /// <summary>Next-hop MTU of destination unreachable / fragmentation needed (RFC 1191); zero otherwise.</summary>
    public ushort NextHopMtu { get; init; }

    /// <summary>Parameter problem: the octet of the quoted datagram where the error was found (RFC 792); zero otherwise.</summary>
    public byte Pointer { get; init; }

    /// <summary>Octets after the header: echo data, or the quoted datagram of an error.</summary>
    public int DataLength { get; init; }

    /// <summary>Header plus data.</summary>
    public int BufferLength => HeaderLength + DataLength;

    /// <summary>True for destination unreachable, time exceeded and parameter problem.</summary>
    public bool IsError => Type is IcmpType.DestinationUnreachable or IcmpType.TimeExceeded or IcmpType.ParameterProblem;

    /// <summary>An echo request template.</summary>
    public static IcmpRepr EchoRequest(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new() { Type = IcmpType.EchoRequest, Identifier = identifier, SequenceNumber = sequenceNumber, DataLength = dataLength };

    /// <summary>The echo reply to a request (same identifier, sequence number and data length; RFC 792).</summary>
    public static IcmpRepr EchoReply(ushort identifier, ushort sequenceNumber, int dataLength) =>
        new() { Type = IcmpType.EchoReply, Identifier = identifier, SequenceNumber = sequenceNumber, DataLength = dataLength };

    /// <summary>A destination unreachable quoting <paramref name="quotedLength"/> octets of the offending datagram.</summary>
    public static IcmpRepr DestinationUnreachable(IcmpUnreachableCode code, int quotedLength, ushort nextHopMtu = 0) =>
        new() { Type = IcmpType.DestinationUnreachable, Code = (byte)code, DataLength = quotedLength, NextHopMtu = code == IcmpUnreachableCode.FragmentationNeeded ? nextHopMtu : (ushort)0 };

    /// <summary>A time exceeded quoting <paramref name="quotedLength"/> octets of the offending datagram.</summary>
    public static IcmpRepr TimeExceeded(IcmpTimeExceededCode code, int quotedLength) =>
        new() { Type = IcmpType.TimeExceeded, Code = (byte)code, DataLength = quotedLength };

    /// <summary>A parameter problem (RFC 792; code 0: <paramref name="pointer"/> names the octet in error) quoting <paramref name="quotedLength"/> octets.</summary>
    public static IcmpRepr ParameterProblem(byte pointer, int quotedLength, byte code = 0) =>
        new() { Type = IcmpType.ParameterProblem, Code = code, Pointer = pointer, DataLength = quotedLength };

    /// <summary>
    /// Decodes a parsed message. Types other than echo, destination unreachable (codes 0..15), time
    /// exceeded (codes 0..1) and parameter problem (codes 0..2, RFC 792 and RFC 1812 §5.2.7.3), and errors whose quoted datagram is not an IPv4 header plus 8 octets,
    /// are <see cref="WireError.UnsupportedIcmp"/>.
    /// </summary>
    public static bool TryParse(in IcmpPacket packet, out IcmpRepr repr, out WireError reason)
    {
        repr = default;
        var type = packet.Type;
        byte code = packet.Code;
        int dataLength = packet.Data.Length;
        switch (type)
        {
            case IcmpType.EchoRequest or IcmpType.EchoReply:
                // RFC 792 says code 0; like Linux we accept any code (carried in Code).
                repr = new IcmpRepr
                {
                    Type = type,
                    Code = code,
                    Identifier = packet.Identifier,
                    SequenceNumber = packet.SequenceNumber,
                    DataLength = dataLength,
                };
                break;
            case IcmpType.DestinationUnreachable when code <= (byte)IcmpUnreachableCode.PrecedenceCutoff && QuotesIPv4Header(packet.Data):
                repr = new IcmpRepr
                {
                    Type = type,
                    Code = code,
                    NextHopMtu = code == (byte)IcmpUnreachableCode.FragmentationNeeded ? packet.NextHopMtu : (ushort)0,
                    DataLength = dataLength,
                };
                break;
            case IcmpType.TimeExceeded when code <= (byte)IcmpTimeExceededCode.ReassemblyTimeExceeded && QuotesIPv4Header(packet.Data):
                repr = new IcmpRepr { Type = type, Code = code, DataLength = dataLength };
                break;
            case IcmpType.ParameterProblem when code <= 2 && QuotesIPv4Header(packet.Data):
                repr = new IcmpRepr { Type = type, Code = code, Pointer = (byte)(packet.RestOfHeader >> 24), DataLength = dataLength };
                break;
            default:
                reason = WireError.UnsupportedIcmp;
                return false;
        }
        reason = WireError.None;
        return true;
    }

    // RFC 792 / RFC 1122 §3.2.2: an error quotes the internet header and at least the first 64 bits
    // of the original datagram's data (enough for the transport ports).
    private static bool QuotesIPv4Header(ReadOnlySpan<byte> quoted)
    {
        if (quoted.Length < IPv4Packet.MinHeaderLength + 8 || quoted[0] >> 4 != 4)
            return false;
        int headerLength = (quoted[0] & 0xF) * 4;
        return headerLength >= IPv4Packet.MinHeaderLength && headerLength + 8 <= quoted.Length;
    }

    /// <summary>
    /// Writes the header and the checksum into <paramref name="buffer"/> (exactly
    /// <see cref="BufferLength"/> octets, or longer: only that prefix is used), whose data octets
    /// the caller has already written at offset <see cref="HeaderLength"/>.
    /// </summary>
    public void Emit(Span<byte> buffer)
    {
        buffer = buffer[..BufferLength];
        buffer[IcmpPacket.Field.Type] = (byte)Type;
        buffer[IcmpPacket.Field.Code] = Code;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[IcmpPacket.Field.Checksum..], 0);
        if (Type is IcmpType.EchoRequest or IcmpType.EchoReply)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[IcmpPacket.Field.Identifier..], Identifier);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[IcmpPacket.Field.SequenceNumber..], SequenceNumber);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[IcmpPacket.Field.Identifier..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[IcmpPacket.Field.NextHopMtu..], NextHopMtu);
            if (Type == IcmpType.ParameterProblem)
                buffer[IcmpPacket.Field.Identifier] = Pointer;
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer[IcmpPacket.Field.Checksum..], Checksum.Compute(buffer));
    }

    /// <summary>Copies <paramref name="data"/> (<see cref="DataLength"/> octets) after the header, then emits as <see cref="Emit(Span{byte})"/>.</summary>
    public void Emit(Span<byte> buffer, ReadOnlySpan<byte> data)
    {
        data.CopyTo(buffer[HeaderLength..]);
        Emit(buffer);
    }
}
