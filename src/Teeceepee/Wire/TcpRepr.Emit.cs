using System.Buffers.Binary;

namespace Teeceepee.Wire;

public readonly partial record struct TcpRepr
{
    /// <summary>The most option octets a header can hold (data offset 15).</summary>
    public const int MaxOptionsLength = TcpSegment.MaxHeaderLength - TcpSegment.MinHeaderLength;

    /// <summary>The flag bits this segment is emitted with.</summary>
    public TcpFlags Flags
    {
        get
        {
            var f = Control switch
            {
                TcpControl.Syn => TcpFlags.Syn,
                TcpControl.Fin => TcpFlags.Fin,
                TcpControl.Rst => TcpFlags.Rst,
                _ => TcpFlags.None,
            };
            if (Push)
                f |= TcpFlags.Psh;
            if (AckNumber.HasValue)
                f |= TcpFlags.Ack;
            if (UrgentPointer.HasValue)
                f |= TcpFlags.Urg;
            if (EcnEcho)
                f |= TcpFlags.Ece;
            if (CongestionWindowReduced)
                f |= TcpFlags.Cwr;
            return f;
        }
    }

    /// <summary>Header length in octets: 20 plus the options as <see cref="Emit(Span{byte}, IPv4Address, IPv4Address, bool)"/> lays them out.</summary>
    public int HeaderLength => TcpSegment.MinHeaderLength + OptionsLengthBeforeSack + SackLength;

    /// <summary>Header plus payload: the length of the span <see cref="Emit(Span{byte}, IPv4Address, IPv4Address, bool)"/> fills.</summary>
    public int BufferLength => HeaderLength + PayloadLength;

    /// <summary>How many of <see cref="SackBlocks"/> fit beside the other options (the first ones are kept, RFC 2018 §4).</summary>
    public int EmittedSackBlockCount
    {
        get
        {
            if (SackBlocks.Count == 0)
                return 0;
            int room = (MaxOptionsLength - OptionsLengthBeforeSack - 4) / 8;
            return Math.Clamp(room, 0, SackBlocks.Count);
        }
    }

    private int SackLength
    {
        get
        {
            int n = EmittedSackBlockCount;
            return n == 0 ? 0 : 4 + 8 * n;
        }
    }

    // Every option group below is padded with NOPs to 4 octets, as Linux lays them out (tcp_options_write).
    private int OptionsLengthBeforeSack
    {
        get
        {
            int n = 0;
            if (MaxSegmentSize.HasValue)
                n += 4;
            if (Timestamp.HasValue)
                n += 12;                // SACK-permitted, when set, takes the place of the two NOPs
            else if (SackPermitted)
                n += 4;
            if (WindowScale.HasValue)
                n += 4;
            if (FastOpenCookie is { } fo)
                n += (fo.OptionLength + 3) & ~3;
            return n;
        }
    }

    /// <summary>
    /// Writes the header and options into <paramref name="buffer"/> and fills in the checksum over the header and
    /// the <see cref="PayloadLength"/> octets the caller already placed after the header.
    /// </summary>
    /// <param name="buffer">At least <see cref="BufferLength"/> octets; the payload starts at <see cref="HeaderLength"/>.</param>
    /// <param name="source">IPv4 source, for the pseudo-header.</param>
    /// <param name="destination">IPv4 destination, for the pseudo-header.</param>
    /// <param name="partialChecksum">
    /// For transmit checksum offload: leave only the folded, uncomplemented pseudo-header sum in the checksum field
    /// (Linux CHECKSUM_PARTIAL), for the device to finish over the header and payload.
    /// </param>
    public void Emit(Span<byte> buffer, IPv4Address source, IPv4Address destination, bool partialChecksum = false) =>
        Emit(buffer, Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Tcp, HeaderLength + PayloadLength), partialChecksum);

    /// <summary>As the <see cref="IPv4Address"/> overload, with the pseudo-header of either family (RFC 8200 §8.1 for IPv6).</summary>
    public void Emit(Span<byte> buffer, NetAddress source, NetAddress destination, bool partialChecksum = false) =>
        Emit(buffer, Checksum.PseudoHeader(source, destination, (byte)IpProtocol.Tcp, HeaderLength + PayloadLength), partialChecksum);

    /// <summary>Copies <paramref name="payload"/> after the header, then emits with the pseudo-header of either family.</summary>
    public void Emit(Span<byte> buffer, ReadOnlySpan<byte> payload, NetAddress source, NetAddress destination, bool partialChecksum = false)
    {
        if (payload.Length != PayloadLength)
            throw new ArgumentException($"The payload has {payload.Length} octets, PayloadLength says {PayloadLength}.", nameof(payload));
        if (buffer.Length < HeaderLength + payload.Length)
            throw new ArgumentException($"The TCP segment needs {HeaderLength + payload.Length} octets, the buffer has {buffer.Length}.", nameof(buffer));
        payload.CopyTo(buffer[HeaderLength..]);
        Emit(buffer, source, destination, partialChecksum);
    }

    private void Emit(Span<byte> buffer, uint pseudo, bool partialChecksum)
    {
        int headerLength = HeaderLength;
        int length = headerLength + PayloadLength;
        if (buffer.Length < length)
            throw new ArgumentException($"The TCP segment needs {length} octets, the buffer has {buffer.Length}.", nameof(buffer));

        var d = buffer[..length];
        BinaryPrimitives.WriteUInt16BigEndian(d[TcpSegment.Field.SourcePort..], SourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(d[TcpSegment.Field.DestinationPort..], DestinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(d[TcpSegment.Field.SeqNumber..], SeqNumber.Value);
        BinaryPrimitives.WriteUInt32BigEndian(d[TcpSegment.Field.AckNumber..], AckNumber.GetValueOrDefault().Value);
        d[TcpSegment.Field.DataOffset] = (byte)((headerLength / 4) << 4);
        d[TcpSegment.Field.Flags] = (byte)Flags;
        BinaryPrimitives.WriteUInt16BigEndian(d[TcpSegment.Field.Window..], WindowLength);
        BinaryPrimitives.WriteUInt16BigEndian(d[TcpSegment.Field.Checksum..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(d[TcpSegment.Field.UrgentPointer..], UrgentPointer.GetValueOrDefault());
        WriteOptions(d[TcpSegment.Field.Options..headerLength]);

        ushort checksum = partialChecksum ? (ushort)~Checksum.Fold(pseudo) : Checksum.Fold(Checksum.Sum(d, pseudo));
        BinaryPrimitives.WriteUInt16BigEndian(d[TcpSegment.Field.Checksum..], checksum);
    }

    /// <summary>Copies <paramref name="payload"/> after the header, then emits as <see cref="Emit(Span{byte}, IPv4Address, IPv4Address, bool)"/>.</summary>
    public void Emit(Span<byte> buffer, ReadOnlySpan<byte> payload, IPv4Address source, IPv4Address destination, bool partialChecksum = false)
    {
        if (payload.Length != PayloadLength)
            throw new ArgumentException($"The payload has {payload.Length} octets, PayloadLength says {PayloadLength}.", nameof(payload));
        int headerLength = HeaderLength;
        if (buffer.Length < headerLength + payload.Length)
            throw new ArgumentException($"The TCP segment needs {headerLength + payload.Length} octets, the buffer has {buffer.Length}.", nameof(buffer));
        payload.CopyTo(buffer[headerLength..]);
        Emit(buffer, source, destination, partialChecksum);
    }

    private void WriteOptions(Span<byte> o)
    {
        int i = 0;
        if (MaxSegmentSize is ushort mss)
        {
            o[i] = (byte)TcpOptionKind.MaxSegmentSize;
            o[i + 1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(o[(i + 2)..], mss);
            i += 4;
        }
        if (Timestamp is TcpTimestamp ts)
        {
            if (SackPermitted)
            {
                o[i] = (byte)TcpOptionKind.SackPermitted;
                o[i + 1] = 2;
            }
            else
            {
                o[i] = (byte)TcpOptionKind.NoOperation;
                o[i + 1] = (byte)TcpOptionKind.NoOperation;
            }
            o[i + 2] = (byte)TcpOptionKind.Timestamps;
            o[i + 3] = 10;
            BinaryPrimitives.WriteUInt32BigEndian(o[(i + 4)..], ts.Value);
            BinaryPrimitives.WriteUInt32BigEndian(o[(i + 8)..], ts.EchoReply);
            i += 12;
        }
        else if (SackPermitted)
        {
            o[i] = (byte)TcpOptionKind.NoOperation;
            o[i + 1] = (byte)TcpOptionKind.NoOperation;
            o[i + 2] = (byte)TcpOptionKind.SackPermitted;
            o[i + 3] = 2;
            i += 4;
        }
        if (WindowScale is byte shift)
        {
            o[i] = (byte)TcpOptionKind.NoOperation;
            o[i + 1] = (byte)TcpOptionKind.WindowScale;
            o[i + 2] = 3;
            o[i + 3] = shift;
            i += 4;
        }
        if (FastOpenCookie is { } cookie)
        {
            // NOPs first, so the option ends on a 4-octet boundary (RFC 7413 §4.1.1).
            int padding = ((cookie.OptionLength + 3) & ~3) - cookie.OptionLength;
            for (int p = 0; p < padding; p++)
                o[i++] = (byte)TcpOptionKind.NoOperation;
            o[i] = (byte)TcpOptionKind.FastOpen;
            o[i + 1] = (byte)cookie.OptionLength;
            cookie.CopyTo(o[(i + 2)..]);
            i += cookie.OptionLength;
        }
        int blocks = EmittedSackBlockCount;
        if (blocks > 0)
        {
            o[i] = (byte)TcpOptionKind.NoOperation;
            o[i + 1] = (byte)TcpOptionKind.NoOperation;
            o[i + 2] = (byte)TcpOptionKind.Sack;
            o[i + 3] = (byte)(2 + 8 * blocks);
            i += 4;
            for (int b = 0; b < blocks; b++)
            {
                var block = SackBlocks[b];
                BinaryPrimitives.WriteUInt32BigEndian(o[i..], block.Left.Value);
                BinaryPrimitives.WriteUInt32BigEndian(o[(i + 4)..], block.Right.Value);
                i += 8;
            }
        }
    }
}
