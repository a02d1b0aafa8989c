using System.Buffers.Binary;

namespace Teeceepee.Fuzz;

/// <summary>
/// Splits a fuzz input into frames. The framing, chosen so that byte-level mutations stay meaningful:
/// <code>
/// record := control (1 octet) | length (2 octets, big-endian) | frame (length octets)
/// control:  bit 0     1 = fix the checksums (IPv4 header, TCP/UDP/ICMP) before delivery
///           bits 1-7  d: virtual time before delivery is d² milliseconds (0 .. 16.1 s)
/// </code>
/// A length past the end takes what is left; at most <see cref="MaxRecords"/> records are read.
/// </summary>
public ref struct FrameInputReader
{
    /// <summary>Octets before each frame.</summary>
    public const int HeaderLength = 3;

    /// <summary>Records read from one input at most (the rest is ignored).</summary>
    public const int MaxRecords = 16;

    private ReadOnlySpan<byte> _rest;
    private int _count;

    /// <summary>Reads records from <paramref name="input"/>.</summary>
    public FrameInputReader(ReadOnlySpan<byte> input)
    {
        _rest = input;
        _count = 0;
    }

    /// <summary>The next record, or false at the end of the input.</summary>
    public bool TryRead(out FrameRecord record)
    {
        if (_rest.Length < HeaderLength || _count == MaxRecords)
        {
            record = default;
            return false;
        }
        byte control = _rest[0];
        int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(_rest[1..]), _rest.Length - HeaderLength);
        int d = control >> 1;
        record = new FrameRecord((control & 1) != 0, TimeSpan.FromMilliseconds(d * d), _rest.Slice(HeaderLength, length));
        _rest = _rest[(HeaderLength + length)..];
        _count++;
        return true;
    }

    /// <summary>Writes one record (for seed inputs and tests).</summary>
    public static void Write(Stream output, ReadOnlySpan<byte> frame, bool fixChecksums = true, int delayCode = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delayCode, 127);
        Span<byte> header = stackalloc byte[HeaderLength];
        header[0] = (byte)(delayCode << 1 | (fixChecksums ? 1 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(header[1..], checked((ushort)frame.Length));
        output.Write(header);
        output.Write(frame);
    }
}
