using CsCheck;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class TcpPropertyTests
{
    private static readonly IPv4Address Source = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address Destination = IPv4Address.Parse("198.19.255.254");

    internal static readonly Gen<TcpSackBlocks> GenSackBlocks =
        Gen.Int[0, TcpSackBlocks.Capacity].SelectMany(n => Gen.UInt.Array[2 * n].Select(edges =>
        {
            var blocks = new TcpSackBlocks();
            for (int i = 0; i < n; i++)
                blocks.TryAdd(new TcpSackBlock(new SeqNumber(edges[2 * i]), new SeqNumber(edges[2 * i + 1])));
            return blocks;
        }));

    /// <summary>Any valid repr: ports non-zero, one control, window scale within 14, options in any mix.</summary>
    internal static readonly Gen<TcpRepr> GenRepr = Gen.Select(
        Gen.Select(Gen.UShort[1, ushort.MaxValue], Gen.UShort[1, ushort.MaxValue], Gen.Int[0, 3], Gen.Bool, Gen.Bool, Gen.Bool, Gen.UInt, Gen.UInt.Nullable()),
        Gen.Select(Gen.UShort, Gen.UShort.Nullable(), Gen.UShort.Nullable(), Gen.Byte[0, TcpRepr.MaxWindowScale].Nullable(), Gen.Bool, GenSackBlocks,
            Gen.Select(Gen.UInt, Gen.UInt).Select((v, e) => new TcpTimestamp(v, e)).Nullable(), Gen.Int[0, 300]),
        (a, b) => new TcpRepr
        {
            SourcePort = a.Item1,
            DestinationPort = a.Item2,
            Control = (TcpControl)a.Item3,
            Push = a.Item4,
            EcnEcho = a.Item5,
            CongestionWindowReduced = a.Item6,
            SeqNumber = new SeqNumber(a.Item7),
            AckNumber = a.Item8 is uint ack ? new SeqNumber(ack) : null,
            WindowLength = b.Item1,
            UrgentPointer = b.Item2,
            MaxSegmentSize = b.Item3,
            WindowScale = b.Item4,
            SackPermitted = b.Item5,
            SackBlocks = b.Item6,
            Timestamp = b.Item7,
            PayloadLength = b.Item8,
        });

    /// <summary>The repr as it reads back: SACK blocks that did not fit beside the other options are gone.</summary>
    internal static TcpRepr AsEmitted(TcpRepr repr)
    {
        int n = repr.EmittedSackBlockCount;
        if (n == repr.SackBlocks.Count)
            return repr;
        var kept = new TcpSackBlocks();
        for (int i = 0; i < n; i++)
            kept.TryAdd(repr.SackBlocks[i]);
        return repr with { SackBlocks = kept };
    }

    internal static byte[] EmitWithPayload(TcpRepr repr, byte seed, IPv4Address source, IPv4Address destination)
    {
        var buffer = new byte[repr.BufferLength];
        for (int i = repr.HeaderLength; i < buffer.Length; i++)
            buffer[i] = (byte)(seed + i * 7);
        repr.Emit(buffer, source, destination);
        return buffer;
    }

    [Fact]
    public void EmitThenTryParse_RoundTripsRandomReprs()
    {
        Gen.Select(GenRepr, Gen.Byte).Sample((repr, seed) =>
        {
            var bytes = EmitWithPayload(repr, seed, Source, Destination);
            Assert.True(TcpSegment.TryParse(bytes, out var segment, out var reason), reason.ToString());
            Assert.True(TcpRepr.TryParse(segment, Source, Destination, true, out var back, out reason), reason.ToString());
            Assert.Equal(AsEmitted(repr), back);
            Assert.Equal(repr.HeaderLength, segment.HeaderLength);
            Assert.True(segment.HeaderLength <= TcpSegment.MaxHeaderLength);
            Assert.Equal(repr.PayloadLength, segment.Payload.Length);
        }, iter: 100_000);
    }

    [Fact]
    public void AnySingleBitFlip_IsRejectedWhenVerifying()
    {
        // The Internet checksum catches every single-bit error: the sum changes by ±2^k, never 0 mod 0xFFFF.
        Gen.Select(GenRepr, Gen.Byte, Gen.Int[0, int.MaxValue]).Sample((repr, seed, position) =>
        {
            var bytes = EmitWithPayload(repr, seed, Source, Destination);
            int bit = position % (bytes.Length * 8);
            bytes[bit / 8] ^= (byte)(1 << (bit % 8));
            bool ok = TcpSegment.TryParse(bytes, out var segment, out _)
                && TcpRepr.TryParse(segment, Source, Destination, true, out _, out _);
            Assert.False(ok);
        }, iter: 100_000);
    }

    [Fact]
    public void TryParse_RandomBytes_NeverThrows()
    {
        Gen.Select(Gen.Byte.Array[0, 80], Gen.UInt, Gen.UInt, Gen.Bool).Sample((bytes, src, dst, verify) =>
        {
            // Make the data offset plausible half of the time so the option decoder sees random input.
            if (bytes.Length >= 20 && (src & 1) == 0)
                bytes[TcpSegment.Field.DataOffset] = (byte)((Math.Min(bytes.Length, 60) / 4) << 4);
            ParseChecked(bytes, new IPv4Address(src), new IPv4Address(dst), verify);
        }, iter: 200_000);
    }

    [Fact]
    public void TryParse_MutatedValidSegments_NeverThrows()
    {
        Gen.Select(GenRepr, Gen.Int[0, 255].Array[1, 12], Gen.Int[0, 100]).Sample((repr, mutations, cut) =>
        {
            var bytes = EmitWithPayload(repr, 0x5a, Source, Destination);
            // Each mutation value picks a position in the header (where it matters) and a new byte.
            for (int m = 0; m + 1 < mutations.Length; m += 2)
                bytes[mutations[m] % Math.Min(bytes.Length, 60)] = (byte)mutations[m + 1];
            int length = cut < 20 ? bytes.Length - Math.Min(bytes.Length, cut) : bytes.Length;
            ParseChecked(bytes.AsSpan(0, length), Source, Destination, verify: false);
        }, iter: 100_000);
    }

    // Parses without throwing; on success every accessor is safe and the repr is self-consistent.
    private static void ParseChecked(ReadOnlySpan<byte> bytes, IPv4Address src, IPv4Address dst, bool verify)
    {
        if (!TcpSegment.TryParse(bytes, out var segment, out var reason))
        {
            Assert.True(reason is WireError.TruncatedHeader or WireError.BadHeaderLength);
            return;
        }
        Assert.InRange(segment.HeaderLength, 20, Math.Min(60, bytes.Length));
        Assert.Equal(bytes.Length - segment.HeaderLength, segment.Payload.Length);
        _ = segment.Options.Length + segment.WindowLength + segment.UrgentPointer + segment.Checksum;
        if (!TcpRepr.TryParse(segment, src, dst, verify, out var repr, out reason))
        {
            Assert.True(reason is WireError.BadChecksum or WireError.BadTcpFlags or WireError.BadPort or WireError.BadTcpOption, reason.ToString());
            return;
        }
        Assert.Equal(WireError.None, reason);
        Assert.NotEqual(0, repr.SourcePort);
        Assert.NotEqual(0, repr.DestinationPort);
        Assert.InRange(repr.WindowScale ?? 0, 0, TcpRepr.MaxWindowScale);
        Assert.Equal(segment.Payload.Length, repr.PayloadLength);
        Assert.True(repr.HeaderLength <= TcpSegment.MaxHeaderLength);
    }
}
