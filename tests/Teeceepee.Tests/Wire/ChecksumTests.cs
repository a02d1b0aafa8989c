using System.Buffers.Binary;
using CsCheck;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class ChecksumTests
{
    // RFC 1071 §4.1 word by word: the reference the fast sum must agree with.
    private static ushort NaiveChecksum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = initial;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length)
            sum += (uint)data[i] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    [Fact]
    public void Compute_Rfc1071Example_MatchesHandSum()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (after the end-around carry).
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xffff - 0xddf2, Checksum.Compute(data));
    }

    [Fact]
    public void Compute_Ipv4HeaderWithChecksum_IsZero()
    {
        // A real IPv4 header (from the golden capture in TcpSegmentTests) whose checksum field is filled in.
        byte[] header = Convert.FromHexString("4500003c941b400040061079c6120501c6120502");
        Assert.Equal(0, Checksum.Compute(header));
        header[10] = 0;
        header[11] = 0;
        Assert.Equal(0x1079, Checksum.Compute(header));
    }

    public static TheoryData<int> VectorWidths => new() { 0, 128, 256, 512 };

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void SumCore_EveryLength0To2000_MatchesNaive(int vectorBits)
    {
        var random = new Random(1071);
        var buffer = new byte[2000 + 64];
        random.NextBytes(buffer);
        for (int length = 0; length <= 2000; length++)
        {
            // Vary the start too, so that vector loads are unaligned in every way.
            int offset = length % 33;
            var data = buffer.AsSpan(offset, length);
            uint initial = (uint)random.Next();
            Assert.Equal(NaiveChecksum(data), Checksum.Fold(Checksum.SumCore(data, 0, vectorBits)));
            Assert.Equal(NaiveChecksum(data, initial), Checksum.Fold(Checksum.SumCore(data, initial, vectorBits)));
        }
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void SumCore_LongBuffersAtEveryStartOffset_MatchNaive(int vectorBits)
    {
        // From 2048 octets on, Sum aligns its vector loads with a scalar head; cover every head length, odd ones included.
        var random = new Random(vectorBits);
        var buffer = GC.AllocateArray<byte>(5000, pinned: true);
        random.NextBytes(buffer);
        for (int offset = 0; offset < 130; offset++)
        {
            foreach (int length in new[] { 2047, 2048, 2049, 2111, 4096 + 37 })
            {
                var data = buffer.AsSpan(offset, length);
                Assert.Equal(NaiveChecksum(data, 0x1234), Checksum.Fold(Checksum.SumCore(data, 0x1234, vectorBits)));
            }
        }
    }

    [Fact]
    public void Sum_EveryLength0To2000_MatchesNaive()
    {
        var random = new Random(1624);
        var buffer = new byte[2000 + 64];
        random.NextBytes(buffer);
        for (int length = 0; length <= 2000; length++)
        {
            var data = buffer.AsSpan(length % 7, length);
            Assert.Equal(NaiveChecksum(data), Checksum.Compute(data));
        }
    }

    [Fact]
    public void Sum_AllOnesAndAllZeros_KeepsOnesComplementZeroes()
    {
        for (int length = 0; length <= 300; length++)
        {
            var ones = Enumerable.Repeat((byte)0xFF, length).ToArray();
            var zeros = new byte[length];
            Assert.Equal(NaiveChecksum(ones), Checksum.Compute(ones));
            Assert.Equal(NaiveChecksum(zeros), Checksum.Compute(zeros));
        }
        // All-zero data sums to +0, whose checksum is 0xFFFF; non-zero data summing to −0 gives checksum 0.
        Assert.Equal(0xFFFF, Checksum.Compute(new byte[100]));
        Assert.Equal(0, Checksum.Compute(Enumerable.Repeat((byte)0xFF, 100).ToArray()));
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void SumCore_SixteenMegabytesOfOnes_DoesNotOverflowLanes(int vectorBits)
    {
        // 16 MiB exceeds the 2^14-step block of every vector width, so lane flushing is exercised.
        var data = new byte[16 << 20];
        data.AsSpan().Fill(0xFF);
        data[12345] = 0x12;
        data[data.Length - 1] = 0x34;
        Assert.Equal(NaiveChecksum(data), Checksum.Fold(Checksum.SumCore(data, 0, vectorBits)));
        Assert.Equal(NaiveChecksum(data.AsSpan(1)), Checksum.Fold(Checksum.SumCore(data.AsSpan(1), 0, vectorBits)));
    }

    [Fact]
    public void Sum_RandomData_MatchesNaive()
    {
        Gen.Select(Gen.Byte.Array[0, 9000], Gen.UInt, Gen.Int[0, 7], Gen.OneOfConst(0, 128, 256, 512)).Sample((data, initial, skip, bits) =>
        {
            var span = data.AsSpan(Math.Min(skip, data.Length));
            Assert.Equal(NaiveChecksum(span, initial), Checksum.Fold(Checksum.Sum(span, initial)));
            Assert.Equal(NaiveChecksum(span, initial), Checksum.Fold(Checksum.SumCore(span, initial, bits)));
        }, iter: 4_000);
    }

    [Fact]
    public void Sum_SplitAtEvenOffset_AddsUp()
    {
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[0, 1500]).Sample((data, half) =>
        {
            int split = Math.Min(half * 2, data.Length & ~1);
            uint whole = Checksum.Sum(data);
            uint parts = Checksum.Sum(data.AsSpan(split), Checksum.Sum(data.AsSpan(0, split)));
            Assert.Equal(Checksum.Fold(whole), Checksum.Fold(parts));
        }, iter: 10_000);
    }

    [Fact]
    public void Sum_SplitAtAnyOffset_WithPosition_AddsUp()
    {
        // A frame gathered from a wrapped ring: the second piece may start at an odd octet of the summed range.
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[0, 3000], Gen.UInt).Sample((data, cut, initial) =>
        {
            int split = Math.Min(cut, data.Length);
            uint whole = Checksum.Sum(data, initial);
            uint parts = Checksum.Sum(data.AsSpan(split), Checksum.Sum(data.AsSpan(0, split), initial), split);
            Assert.Equal(Checksum.Fold(whole), Checksum.Fold(parts));
        }, iter: 10_000);
    }

    [Fact]
    public void PseudoHeader_MatchesSumOfItsBytes()
    {
        var src = IPv4Address.Parse("198.18.5.1");
        var dst = IPv4Address.Parse("198.18.5.2");
        // RFC 9293 §3.1: source, destination, zero, protocol, TCP length.
        byte[] pseudo = [198, 18, 5, 1, 198, 18, 5, 2, 0, 6, 0x05, 0xdc];
        Assert.Equal(NaiveChecksum(pseudo), Checksum.Fold(Checksum.PseudoHeader(src, dst, 6, 1500)));
    }

    [Fact]
    public void Update_Rfc1624Section3Example_GivesPlusZero()
    {
        // RFC 1624 §3: other octets sum to 0xCD7A, m = 0x5555 becomes m' = 0x3285.
        // HC = ~(0xCD7A + 0x5555) = 0xDD2F; recomputing gives ~0xFFFF = 0x0000, which eqn. 3 must reproduce
        // (RFC 1141's eqn. 2 gave 0xFFFF, the −0 the RFC warns about).
        Assert.Equal(0xDD2F, NaiveChecksum([0xCD, 0x7A, 0x55, 0x55]));
        Assert.Equal(0x0000, NaiveChecksum([0xCD, 0x7A, 0x32, 0x85]));
        Assert.Equal(0x0000, Checksum.Update(0xDD2F, 0x5555, 0x3285));
    }

    [Fact]
    public void Update_BackToTheOldValue_RestoresTheChecksum()
    {
        ushort changed = Checksum.Update(0xDD2F, 0x5555, 0x3285);
        Assert.Equal(0xDD2F, Checksum.Update(changed, 0x3285, 0x5555));
    }

    [Fact]
    public void Update_FieldChangeInHeader_MatchesRecomputation()
    {
        Gen.Select(Gen.Byte.Array[6, 60], Gen.Int[0, 29], Gen.UShort).Sample((header, field, newValue) =>
        {
            // Checksum in word 1, the changed field in a later word; octet 0 non-zero so the header never sums
            // to +0 (the one input where recomputation and RFC 1624 eqn. 3 legitimately differ).
            var h = header.AsSpan(0, header.Length & ~1);
            h[0] |= 1;
            const int checksumAt = 2;
            int at = 4 + 2 * (field % ((h.Length - 4) / 2));
            BinaryPrimitives.WriteUInt16BigEndian(h[checksumAt..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(h[checksumAt..], Checksum.Compute(h));
            ushort old = BinaryPrimitives.ReadUInt16BigEndian(h[at..]);
            ushort updated = Checksum.Update(BinaryPrimitives.ReadUInt16BigEndian(h[checksumAt..]), old, newValue);

            BinaryPrimitives.WriteUInt16BigEndian(h[at..], newValue);
            BinaryPrimitives.WriteUInt16BigEndian(h[checksumAt..], 0);
            Assert.Equal(Checksum.Compute(h), updated);
            BinaryPrimitives.WriteUInt16BigEndian(h[checksumAt..], updated);
            Assert.Equal(0, Checksum.Compute(h));
        }, iter: 100_000);
    }
}
