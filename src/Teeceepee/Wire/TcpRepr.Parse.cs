using System.Buffers.Binary;

namespace Teeceepee.Wire;

public readonly partial record struct TcpRepr
{
    /// <summary>The largest window scale shift; larger values are read as 14 (RFC 7323 §2.3).</summary>
    public const byte MaxWindowScale = 14;

    /// <summary>
    /// As the <see cref="IPv4Address"/> overload, with the checksum over the pseudo-header of either family
    /// (RFC 8200 §8.1 for IPv6); IPv4 results are identical.
    /// </summary>
    public static bool TryParse(in TcpSegment segment, NetAddress source, NetAddress destination, bool verifyChecksum,
        out TcpRepr repr, out WireError reason)
    {
        if (verifyChecksum && !segment.VerifyChecksum(source, destination))
            return Fail(WireError.BadChecksum, out repr, out reason);
        return TryParse(segment, default(IPv4Address), default, verifyChecksum: false, out repr, out reason);
    }

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
        if (verifyChecksum && !segment.VerifyChecksum(source, destination))
            return Fail(WireError.BadChecksum, out repr, out reason);

        var flags = segment.Flags;
        TcpControl control;
        switch (flags & (TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Rst))
        {
            case TcpFlags.None: control = TcpControl.None; break;
            case TcpFlags.Syn: control = TcpControl.Syn; break;
            case TcpFlags.Fin: control = TcpControl.Fin; break;
            case TcpFlags.Rst: control = TcpControl.Rst; break;
            default:
                return Fail(WireError.BadTcpFlags, out repr, out reason);
        }

        ushort sourcePort = segment.SourcePort, destinationPort = segment.DestinationPort;
        if (sourcePort == 0 || destinationPort == 0)
            return Fail(WireError.BadPort, out repr, out reason);

        // Header fields first; options after, off the fast path unless the segment carries something other than
        // NOP NOP TS, the only options on nearly every segment of an established connection (RFC 7323 App. A).
        var options = segment.Options;
        bool timestampsOnly = options.Length == 12 && BinaryPrimitives.ReadUInt32BigEndian(options) == 0x0101_080A;
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
            Timestamp = timestampsOnly
                ? new TcpTimestamp(BinaryPrimitives.ReadUInt32BigEndian(options[4..]), BinaryPrimitives.ReadUInt32BigEndian(options[8..]))
                : null,
            PayloadLength = segment.Payload.Length,
        };
        if (options.IsEmpty || timestampsOnly)
        {
            reason = WireError.None;
            return true;
        }
        if (!TryDecodeOptions(options, ref repr, out reason))
        {
            repr = default;
            return false;
        }
        return true;
    }

    // RFC 9293 §3.2: options are kind, or kind-length-data; lengths count kind and length octets.
    private static bool TryDecodeOptions(ReadOnlySpan<byte> options, ref TcpRepr repr, out WireError reason)
    {
        ushort? mss = null;
        byte? windowScale = null;
        bool sackPermitted = false;
        TcpSackBlocks sackBlocks = default;
        TcpTimestamp? timestamp = null;
        TcpFastOpenCookie? fastOpen = null;

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
                case TcpOptionKind.FastOpen:
                    // RFC 7413 §4.1.1: an empty cookie (a request) or 4 to 16 octets.
                    if (!TcpFastOpenCookie.TryCreate(data, out var cookie))
                        return BadOption(out reason);
                    fastOpen = cookie;
                    break;
                default:
                    // Unknown kinds are skipped by their length (RFC 9293 §3.2, "must be prepared to handle").
                    break;
            }
            i += length;
        }

        repr = repr with
        {
            MaxSegmentSize = mss,
            WindowScale = windowScale,
            SackPermitted = sackPermitted,
            SackBlocks = sackBlocks,
            Timestamp = timestamp,
            FastOpenCookie = fastOpen,
        };
        reason = WireError.None;
        return true;
    }

    private static bool Fail(WireError error, out TcpRepr repr, out WireError reason)
    {
        repr = default;
        reason = error;
        return false;
    }

    private static bool BadOption(out WireError reason)
    {
        reason = WireError.BadTcpOption;
        return false;
    }
}
