using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Teeceepee.Wire;

// RFC 9293 §3.1, TCP header format (NS: the historic RFC 3540 nonce bit, now reserved):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          Source Port          |       Destination Port        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        Sequence Number                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Acknowledgment Number                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Data |     |N|C|E|U|A|P|R|S|F|                               |
//   | Offset|Rsrvd| |W|C|R|C|S|S|Y|I|            Window             |
//   |       |     |S|R|E|G|K|H|T|N|N|                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           Checksum            |         Urgent Pointer        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                           [Options]                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   :                             Data                              :
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// A read-only view of a TCP segment (header, options and payload) over the IPv4 payload.
/// After <see cref="TryParse"/> succeeds no accessor throws.
/// </summary>
public readonly ref struct TcpSegment
{
    /// <summary>Length of the header without options.</summary>
    public const int MinHeaderLength = 20;

    /// <summary>Length of the header with the most options (data offset 15).</summary>
    public const int MaxHeaderLength = 60;

    /// <summary>Byte offsets of the header fields.</summary>
    public static class Field
    {
        /// <summary>Source port (2 octets).</summary>
        public const int SourcePort = 0;
        /// <summary>Destination port (2 octets).</summary>
        public const int DestinationPort = 2;
        /// <summary>Sequence number (4 octets).</summary>
        public const int SeqNumber = 4;
        /// <summary>Acknowledgment number (4 octets).</summary>
        public const int AckNumber = 8;
        /// <summary>Data offset (high 4 bits) and the NS bit (lowest bit).</summary>
        public const int DataOffset = 12;
        /// <summary>CWR ECE URG ACK PSH RST SYN FIN.</summary>
        public const int Flags = 13;
        /// <summary>Window (2 octets).</summary>
        public const int Window = 14;
        /// <summary>Checksum (2 octets).</summary>
        public const int Checksum = 16;
        /// <summary>Urgent pointer (2 octets).</summary>
        public const int UrgentPointer = 18;
        /// <summary>First octet of the options.</summary>
        public const int Options = 20;
    }

    private readonly ReadOnlySpan<byte> _buffer;

    private TcpSegment(ReadOnlySpan<byte> buffer) => _buffer = buffer;

    /// <summary>
    /// Wraps <paramref name="buffer"/> (the whole IPv4 payload) after checking that the fixed header fits
    /// and that the data offset lies between 5 and the buffer's end. The checksum is not checked here.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out TcpSegment segment, out WireError reason)
    {
        segment = default;
        if (buffer.Length < MinHeaderLength)
        {
            reason = WireError.TruncatedHeader;
            return false;
        }
        int headerLength = (buffer[Field.DataOffset] >> 4) * 4;
        if (headerLength < MinHeaderLength || headerLength > buffer.Length)
        {
            reason = WireError.BadHeaderLength;
            return false;
        }
        segment = new TcpSegment(buffer);
        reason = WireError.None;
        return true;
    }

    /// <summary>The whole segment: header, options and payload.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>Source port.</summary>
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.SourcePort..]);

    /// <summary>Destination port.</summary>
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.DestinationPort..]);

    /// <summary>Sequence number.</summary>
    public SeqNumber SeqNumber => new(BinaryPrimitives.ReadUInt32BigEndian(_buffer[Field.SeqNumber..]));

    /// <summary>Acknowledgment number (meaningful only when <see cref="Ack"/> is set).</summary>
    public SeqNumber AckNumber => new(BinaryPrimitives.ReadUInt32BigEndian(_buffer[Field.AckNumber..]));

    /// <summary>Header length in octets (data offset × 4), 20..60.</summary>
    public int HeaderLength => (_buffer[Field.DataOffset] >> 4) * 4;

    /// <summary>The eight flag bits of octet 13 (CWR..FIN).</summary>
    public TcpFlags Flags => (TcpFlags)_buffer[Field.Flags];

    /// <summary>FIN: no more data from sender.</summary>
    public bool Fin => (_buffer[Field.Flags] & (byte)TcpFlags.Fin) != 0;

    /// <summary>SYN: synchronise sequence numbers.</summary>
    public bool Syn => (_buffer[Field.Flags] & (byte)TcpFlags.Syn) != 0;

    /// <summary>RST: reset the connection.</summary>
    public bool Rst => (_buffer[Field.Flags] & (byte)TcpFlags.Rst) != 0;

    /// <summary>PSH: push function.</summary>
    public bool Psh => (_buffer[Field.Flags] & (byte)TcpFlags.Psh) != 0;

    /// <summary>ACK: the acknowledgment field is significant.</summary>
    public bool Ack => (_buffer[Field.Flags] & (byte)TcpFlags.Ack) != 0;

    /// <summary>URG: the urgent pointer field is significant.</summary>
    public bool Urg => (_buffer[Field.Flags] & (byte)TcpFlags.Urg) != 0;

    /// <summary>ECE: ECN-Echo (RFC 3168).</summary>
    public bool Ece => (_buffer[Field.Flags] & (byte)TcpFlags.Ece) != 0;

    /// <summary>CWR: congestion window reduced (RFC 3168).</summary>
    public bool Cwr => (_buffer[Field.Flags] & (byte)TcpFlags.Cwr) != 0;

    /// <summary>NS: the ECN nonce bit (RFC 3540, historic; reserved since RFC 8311).</summary>
    public bool Ns => (_buffer[Field.DataOffset] & 1) != 0;

    /// <summary>Window field (unscaled).</summary>
    public ushort WindowLength => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Window..]);

    /// <summary>The checksum field as received.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.Checksum..]);

    /// <summary>Urgent pointer field (meaningful only when <see cref="Urg"/> is set).</summary>
    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_buffer[Field.UrgentPointer..]);

    /// <summary>The option octets between the fixed header and the data.</summary>
    public ReadOnlySpan<byte> Options => _buffer[Field.Options..HeaderLength];

    /// <summary>The data after the header.</summary>
    public ReadOnlySpan<byte> Payload => _buffer[HeaderLength..];

    /// <summary>True when the checksum over the pseudo-header, header and payload verifies (RFC 9293 §3.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool VerifyChecksum(NetAddress source, NetAddress destination) =>
        Wire.Checksum.Fold(Wire.Checksum.Sum(_buffer, Wire.Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Tcp, _buffer.Length))) == 0;

    /// <summary>True when the checksum verifies with the IPv4 pseudo-header of these addresses.</summary>
    public bool VerifyChecksum(IPv4Address source, IPv4Address destination) =>
        Wire.Checksum.Fold(Wire.Checksum.Sum(_buffer, Wire.Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Tcp, _buffer.Length))) == 0;
}
