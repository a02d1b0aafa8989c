using System.Buffers.Binary;

namespace Teeceepee.Wire;

public readonly partial record struct TcpRepr
{
    /// <summary>The largest window scale shift; larger values are read as 14 (RFC 7323 §2.3).</summary>
    public const byte MaxWindowScale = 14;

    /// <summary>
    /// Validates a parsed segment and decodes it: checksum (unless <paramref name="verifyChecksum"/> is false because the
    /// link verified it), control flags, ports and options.
    /// </summary>
    /// <remarks>
    /// Only flag combinations that are never valid in any state are rejected here (two or more of SYN, FIN, RST).
    /// A segment without ACK is passed on: RFC 9293 §3.10.7 drops it in every state except CLOSED, where it still
    /// earns a RST, so the state machine must see it.
    /// </remarks>
    public static bool TryParse(in TcpSegment segment, IPv4Address source, IPv4Address destination, bool verifyChecksum,
        out TcpRepr repr, out WireError reason)
    {
        repr = default;
        if (verifyChecksum && !segment.VerifyChecksum(source, destination))
        {
            reason = WireError.BadChecksum;
            return false;
        }

        var flags = segment.Flags;
        TcpControl control;
        switch (flags & (TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Rst))
        {
            case TcpFlags.None: control = TcpControl.None; break;
            case TcpFlags.Syn: control = TcpControl.Syn; break;
            case TcpFlags.Fin: control = TcpControl.Fin; break;
            case TcpFlags.Rst: control = TcpControl.Rst; break;
            default:
                reason = WireError.BadTcpFlags;
                return false;
        }

        ushort sourcePort = segment.SourcePort, destinationPort = segment.DestinationPort;
        if (sourcePort == 0 || destinationPort == 0)
        {
            reason = WireError.BadPort;
            return false;
        }

        ushort? mss = null;
        byte? windowScale = null;
        bool sackPermitted = false;
        TcpSackBlocks sackBlocks = default;
        TcpTimestamp? timestamp = null;

        // RFC 9293 §3.2: options are kind, or kind-length-data; lengths count kind and length octets.
        var options = segment.Options;
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == (byte)TcpOptionKind.EndOfList)
                break;
            if (kind == (byte)TcpOptionKind.NoOperation)
            {
                i++;
                continue;
            }
            if (i + 1 >= options.Length)
                return BadOption(out reason);
            int length = options[i + 1];
            if (length < 2 || length > options.Length - i)
                return BadOption(out reason);
            var data = options.Slice(i + 2, length - 2);
            switch ((TcpOptionKind)kind)
            {
                case TcpOptionKind.MaxSegmentSize:
                    if (length != 4)
                        return BadOption(out reason);
                    mss = BinaryPrimitives.ReadUInt16BigEndian(data);
                    break;
                case TcpOptionKind.WindowScale:
                    if (length != 3)
                        return BadOption(out reason);
                    windowScale = Math.Min(data[0], MaxWindowScale);
                    break;
                case TcpOptionKind.SackPermitted:
                    if (length != 2)
                        return BadOption(out reason);
                    sackPermitted = true;
                    break;
                case TcpOptionKind.Sack:
                    if (length < 10 || (length - 2) % 8 != 0 || (length - 2) / 8 > TcpSackBlocks.Capacity)
                        return BadOption(out reason);
                    sackBlocks = default;
                    for (int b = 0; b < data.Length; b += 8)
                    {
                        sackBlocks.TryAdd(new TcpSackBlock(
                            new SeqNumber(BinaryPrimitives.ReadUInt32BigEndian(data[b..])),
                            new SeqNumber(BinaryPrimitives.ReadUInt32BigEndian(data[(b + 4)..]))));
                    }
                    break;
                case TcpOptionKind.Timestamps:
                    if (length != 10)
                        return BadOption(out reason);
                    timestamp = new TcpTimestamp(BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt32BigEndian(data[4..]));
                    break;
                default:
                    // Unknown kinds are skipped by their length (RFC 9293 §3.2, "must be prepared to handle").
                    break;
            }
            i += length;
        }

        repr = new TcpRepr
        {
            SourcePort = sourcePort,
            DestinationPort = destinationPort,
            Control = control,
            Push = (flags & TcpFlags.Psh) != 0,
            EcnEcho = (flags & TcpFlags.Ece) != 0,
            CongestionWindowReduced = (flags & TcpFlags.Cwr) != 0,
            SeqNumber = segment.SeqNumber,
            AckNumber = (flags & TcpFlags.Ack) != 0 ? segment.AckNumber : null,
            WindowLength = segment.WindowLength,
            UrgentPointer = (flags & TcpFlags.Urg) != 0 ? segment.UrgentPointer : null,
            MaxSegmentSize = mss,
            WindowScale = windowScale,
            SackPermitted = sackPermitted,
            SackBlocks = sackBlocks,
            Timestamp = timestamp,
            PayloadLength = segment.Payload.Length,
        };
        reason = WireError.None;
        return true;
    }

    private static bool BadOption(out WireError reason)
    {
        reason = WireError.BadTcpOption;
        return false;
    }
}
