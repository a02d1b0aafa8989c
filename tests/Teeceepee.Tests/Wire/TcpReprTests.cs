using System.Buffers.Binary;
using Teeceepee.Wire;
using static Teeceepee.Tests.Wire.TcpSegmentTests;

namespace Teeceepee.Tests.Wire;

public class TcpReprTests
{
    private static readonly TcpRepr SynRepr = new()
    {
        SourcePort = 49772,
        DestinationPort = 8080,
        Control = TcpControl.Syn,
        SeqNumber = new SeqNumber(3032179443),
        WindowLength = 64240,
        MaxSegmentSize = 1460,
        SackPermitted = true,
        Timestamp = new TcpTimestamp(944732909, 0),
        WindowScale = 10,
    };

    private static readonly TcpRepr SynAckRepr = SynRepr with
    {
        SourcePort = 8080,
        DestinationPort = 49772,
        SeqNumber = new SeqNumber(176970683),
        AckNumber = new SeqNumber(3032179444),
        WindowLength = 65160,
        Timestamp = new TcpTimestamp(1995711021, 944732909),
    };

    private static readonly TcpRepr DataRepr = new()
    {
        SourcePort = 49772,
        DestinationPort = 8080,
        Push = true,
        SeqNumber = new SeqNumber(3032179444),
        AckNumber = new SeqNumber(176970684),
        WindowLength = 63,
        Timestamp = new TcpTimestamp(944732909, 1995711021),
        PayloadLength = 35,
    };

    private static readonly TcpRepr FinRepr = DataRepr with
    {
        Control = TcpControl.Fin,
        Push = false,
        SeqNumber = new SeqNumber(3032179479),
        PayloadLength = 0,
    };

    private static readonly TcpRepr RstRepr = new()
    {
        SourcePort = 9,
        DestinationPort = 36454,
        Control = TcpControl.Rst,
        SeqNumber = new SeqNumber(0),
        AckNumber = new SeqNumber(1568713662),
    };

    private static readonly TcpRepr SackAckRepr = new()
    {
        SourcePort = 8080,
        DestinationPort = 40001,
        SeqNumber = new SeqNumber(3775092218),
        AckNumber = new SeqNumber(1001),
        WindowLength = 64,
        Timestamp = new TcpTimestamp(3811184106, 5001),
        SackBlocks = TcpSackBlocks.Of(new TcpSackBlock(new SeqNumber(1101), new SeqNumber(1201))),
    };

    public static TheoryData<string> GoldenNames => new() { "Syn", "SynAck", "Data", "Fin", "Rst", "SackAck" };

    private static (byte[] Bytes, TcpRepr Repr, IPv4Address Source, IPv4Address Destination) Golden(string name) => name switch
    {
        "Syn" => (Syn, SynRepr, Client, Server),
        "SynAck" => (SynAck, SynAckRepr, Server, Client),
        "Data" => (Data, DataRepr, Client, Server),
        "Fin" => (Fin, FinRepr, Client, Server),
        "Rst" => (Rst, RstRepr, Server, Client),
        "SackAck" => (SackAck, SackAckRepr, Server, Client),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static bool Parse(ReadOnlySpan<byte> bytes, IPv4Address source, IPv4Address destination, out TcpRepr repr, out WireError reason, bool verify = true)
    {
        repr = default;
        return TcpSegment.TryParse(bytes, out var segment, out reason)
            && TcpRepr.TryParse(segment, source, destination, verify, out repr, out reason);
    }

    [Theory]
    [MemberData(nameof(GoldenNames))]
    public void Deconstruct_Golden_GivesRepr(string name)
    {
        var (bytes, expected, src, dst) = Golden(name);
        Assert.True(Parse(bytes, src, dst, out var repr, out var reason), reason.ToString());
        Assert.Equal(expected, repr);
    }

    [Theory]
    [MemberData(nameof(GoldenNames))]
    public void Construct_Golden_MatchesLinuxBytes(string name)
    {
        var (bytes, repr, src, dst) = Golden(name);
        Assert.Equal(bytes.Length, repr.BufferLength);
        var buffer = new byte[repr.BufferLength];
        bytes.AsSpan(repr.HeaderLength).CopyTo(buffer.AsSpan(repr.HeaderLength));   // the payload is already in place
        repr.Emit(buffer, src, dst);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(buffer));
    }

    [Fact]
    public void Construct_WithPayloadOverload_CopiesPayload()
    {
        var buffer = new byte[DataRepr.BufferLength];
        DataRepr.Emit(buffer, System.Text.Encoding.ASCII.GetBytes(DataText), Client, Server);
        Assert.Equal(Data, buffer);
    }

    [Fact]
    public void Construct_PartialChecksum_IsFoldedPseudoHeader()
    {
        var buffer = new byte[DataRepr.BufferLength];
        Data.AsSpan(DataRepr.HeaderLength).CopyTo(buffer.AsSpan(DataRepr.HeaderLength));
        DataRepr.Emit(buffer, Client, Server, partialChecksum: true);
        ushort partial = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(TcpSegment.Field.Checksum));
        Assert.Equal((ushort)~Checksum.Fold(Checksum.PseudoHeader(Client, Server, 6, Data.Length)), partial);

        // What a device does with CHECKSUM_PARTIAL: sum from the TCP header on, starting from the field's content.
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(TcpSegment.Field.Checksum), 0);
        ushort finished = Checksum.Fold(Checksum.Sum(buffer, partial));
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(TcpSegment.Field.Checksum), finished);
        Assert.Equal(Data, buffer);
    }

    [Fact]
    public void Emit_ShortBuffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => SynRepr.Emit(new byte[SynRepr.BufferLength - 1], Client, Server));
    }

    [Fact]
    public void RoundTrips_Golden()
    {
        foreach (var name in new[] { "Syn", "SynAck", "Data", "Fin", "Rst", "SackAck" })
        {
            var (bytes, _, src, dst) = Golden(name);
            Assert.True(Parse(bytes, src, dst, out var repr, out _));
            var buffer = (byte[])bytes.Clone();
            buffer.AsSpan(0, repr.HeaderLength).Clear();
            repr.Emit(buffer, src, dst);
            Assert.Equal(bytes, buffer);
        }
    }

    [Fact]
    public void SegmentLength_CountsSynAndFin()
    {
        Assert.Equal(1, SynRepr.SegmentLength);
        Assert.Equal(35, DataRepr.SegmentLength);
        Assert.Equal(1, FinRepr.SegmentLength);
        Assert.Equal(0, RstRepr.SegmentLength);
    }

    [Fact]
    public void HeaderLength_LinuxLayout()
    {
        Assert.Equal(20, RstRepr.HeaderLength);
        Assert.Equal(40, SynRepr.HeaderLength);
        Assert.Equal(32, DataRepr.HeaderLength);
        Assert.Equal(24, (RstRepr with { SackPermitted = true }).HeaderLength);
        Assert.Equal(24, (RstRepr with { WindowScale = 7 }).HeaderLength);
        Assert.Equal(24, (RstRepr with { MaxSegmentSize = 536 }).HeaderLength);
        Assert.Equal(32 + 4 + 8, (DataRepr with { SackBlocks = OneBlock }).HeaderLength);
    }

    private static readonly TcpSackBlocks OneBlock = TcpSackBlocks.Of(new TcpSackBlock(new SeqNumber(100), new SeqNumber(200)));

    [Fact]
    public void Construct_SackBlocks_LinuxLayout()
    {
        var repr = DataRepr with
        {
            PayloadLength = 0,
            SackBlocks = TcpSackBlocks.Of(
                new TcpSackBlock(new SeqNumber(0x01020304), new SeqNumber(0x05060708)),
                new TcpSackBlock(new SeqNumber(0x0a0b0c0d), new SeqNumber(0x0e0f1011))),
        };
        var buffer = new byte[repr.BufferLength];
        repr.Emit(buffer, Client, Server);
        Assert.Equal("0101080A384F7AED76F4222D" + "0101" + "0512" + "0102030405060708" + "0A0B0C0D0E0F1011",
            Convert.ToHexString(buffer.AsSpan(20)));
        Assert.True(Parse(buffer, Client, Server, out var back, out _));
        Assert.Equal(repr, back);
    }

    [Fact]
    public void Construct_FourSackBlocksWithTimestamps_KeepsTheFirstThree()
    {
        // RFC 2018 §3: with timestamps only three blocks fit in the 40 option octets.
        var blocks = TcpSackBlocks.Of(
            new TcpSackBlock(new SeqNumber(1), new SeqNumber(2)),
            new TcpSackBlock(new SeqNumber(3), new SeqNumber(4)),
            new TcpSackBlock(new SeqNumber(5), new SeqNumber(6)),
            new TcpSackBlock(new SeqNumber(7), new SeqNumber(8)));
        var repr = DataRepr with { PayloadLength = 0, SackBlocks = blocks };
        Assert.Equal(3, repr.EmittedSackBlockCount);
        Assert.Equal(60, repr.HeaderLength);
        var buffer = new byte[repr.BufferLength];
        repr.Emit(buffer, Client, Server);
        Assert.True(Parse(buffer, Client, Server, out var back, out _));
        Assert.Equal(3, back.SackBlocks.Count);
        Assert.Equal(blocks[2], back.SackBlocks[2]);
        Assert.Equal(4, (repr with { Timestamp = null }).EmittedSackBlockCount);
    }

    [Fact]
    public void Construct_SackPermittedWithoutTimestamps_UsesTwoNops()
    {
        var repr = SynRepr with { Timestamp = null };
        var buffer = new byte[repr.BufferLength];
        repr.Emit(buffer, Client, Server);
        Assert.Equal("020405B4" + "01010402" + "0103030A", Convert.ToHexString(buffer.AsSpan(20)));
    }

    [Fact]
    public void Construct_UrgentEceCwr_SetsFlagsAndPointer()
    {
        var repr = DataRepr with { UrgentPointer = 7, EcnEcho = true, CongestionWindowReduced = true };
        var buffer = (byte[])Data.Clone();
        repr.Emit(buffer, Client, Server);
        Assert.Equal(0x80 | 0x40 | 0x20 | 0x10 | 0x08, buffer[TcpSegment.Field.Flags]);
        Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(TcpSegment.Field.UrgentPointer)));
        Assert.True(Parse(buffer, Client, Server, out var back, out _));
        Assert.Equal(repr, back);
    }

    [Fact]
    public void ParseAndEmit_AllocateNothing()
    {
        var buffer = (byte[])Data.Clone();
        int total = 0;
        for (int round = 0; round < 2; round++)
        {
            // Round 0 warms up (JIT, statics); round 1 is measured.
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                if (TcpSegment.TryParse(buffer, out var segment, out _) && TcpRepr.TryParse(segment, Client, Server, true, out var repr, out _))
                {
                    repr.Emit(buffer, Client, Server);
                    total += repr.PayloadLength;
                }
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round == 1)
                Assert.Equal(0, allocated);
        }
        Assert.Equal(2000 * 35, total);
        Assert.Equal(Data, buffer);
    }

    // ----- one test per WireError the TCP parsers return -----

    [Fact]
    public void Truncated_ReturnsTruncatedHeader()
    {
        Assert.False(Parse(Syn.AsSpan(0, 19), Client, Server, out _, out var reason));
        Assert.Equal(WireError.TruncatedHeader, reason);
    }

    [Fact]
    public void DataOffsetPastEnd_ReturnsBadHeaderLength()
    {
        Assert.False(Parse(Syn.AsSpan(0, 36), Client, Server, out _, out var reason));
        Assert.Equal(WireError.BadHeaderLength, reason);
    }

    [Fact]
    public void CorruptedPayload_ReturnsBadChecksum()
    {
        var bytes = (byte[])Data.Clone();
        bytes[40] ^= 0x20;
        Assert.False(Parse(bytes, Client, Server, out _, out var reason));
        Assert.Equal(WireError.BadChecksum, reason);
    }

    [Fact]
    public void CorruptedPayload_VerificationSkipped_Parses()
    {
        var bytes = (byte[])Data.Clone();
        bytes[40] ^= 0x20;
        Assert.True(Parse(bytes, Client, Server, out var repr, out _, verify: false));
        Assert.Equal(DataRepr, repr);
    }

    [Theory]
    [InlineData(TcpFlags.Syn | TcpFlags.Fin)]
    [InlineData(TcpFlags.Syn | TcpFlags.Rst)]
    [InlineData(TcpFlags.Fin | TcpFlags.Rst)]
    [InlineData(TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Rst)]
    [InlineData(TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Ack)]
    [InlineData(TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Ack | TcpFlags.Psh)]
    public void IllegalControlCombination_ReturnsBadTcpFlags(TcpFlags flags)
    {
        var bytes = WithFlags(Rst, flags);
        Assert.False(Parse(bytes, Server, Client, out _, out var reason));
        Assert.Equal(WireError.BadTcpFlags, reason);
    }

    [Theory]
    [InlineData(TcpFlags.Fin, TcpControl.Fin)]                  // FIN scan: no ACK, still legal (RFC 9293 §3.10.7.1 answers it with RST)
    [InlineData(TcpFlags.None, TcpControl.None)]                // null scan
    [InlineData(TcpFlags.Fin | TcpFlags.Psh | TcpFlags.Urg, TcpControl.Fin)]   // Xmas
    [InlineData(TcpFlags.Rst, TcpControl.Rst)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr, TcpControl.Syn)]   // ECN-setup SYN (RFC 3168 §6.1.1)
    public void SegmentWithoutAck_IsLeftToTheStateMachine(TcpFlags flags, TcpControl control)
    {
        var bytes = WithFlags(Rst, flags);
        Assert.True(Parse(bytes, Server, Client, out var repr, out var reason), reason.ToString());
        Assert.Equal(control, repr.Control);
        Assert.Null(repr.AckNumber);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void ZeroPort_ReturnsBadPort(int offset)
    {
        var bytes = (byte[])Syn.Clone();
        bytes[offset] = 0;
        bytes[offset + 1] = 0;
        Refill(bytes, Client, Server);
        Assert.False(Parse(bytes, Client, Server, out _, out var reason));
        Assert.Equal(WireError.BadPort, reason);
    }

    [Theory]
    [InlineData("01010102")]            // a kind in the last octet, with no room for its length
    [InlineData("0200")]                // length 0
    [InlineData("0201")]                // length 1
    [InlineData("fe01")]                // unknown kind, length 1
    [InlineData("020300")]              // MSS with length 3
    [InlineData("0205000000")]          // MSS with length 5
    [InlineData("0304000000")]          // window scale with length 4
    [InlineData("040208")]              // SACK-permitted, then timestamps with length 0 (the EOL padding)
    [InlineData("0403000000")]          // SACK-permitted with length 3
    [InlineData("050200")]              // SACK with no blocks
    [InlineData("050600000000")]        // SACK with half a block
    [InlineData("08080000000000000000")]   // timestamps with length 8
    [InlineData("080b0000000000000000000000")] // timestamps with length 11
    [InlineData("01fe0a0000")]          // NOP, then an unknown kind whose length runs past the header
    [InlineData("fe0a000000")]          // unknown kind whose length runs past the header
    public void MalformedOption_ReturnsBadTcpOption(string options)
    {
        var bytes = WithOptions(options);
        Assert.False(Parse(bytes, Client, Server, out _, out var reason));
        Assert.Equal(WireError.BadTcpOption, reason);
    }

    [Fact]
    public void FiveSackBlocks_ReturnsBadTcpOption()
    {
        // 2 + 5 × 8 = 42 octets cannot fit in 40; a length byte claiming it runs past the header.
        var bytes = WithOptions("052a" + new string('0', 76));
        Assert.False(Parse(bytes, Client, Server, out _, out var reason));
        Assert.Equal(WireError.BadTcpOption, reason);
    }

    [Fact]
    public void UnknownOptions_AreSkippedByLength()
    {
        // TFO cookie (34, len 10), an experimental option (254, len 4), MSS.
        var bytes = WithOptions("220a0102030405060708" + "fe04abcd" + "02040218");
        Assert.True(Parse(bytes, Client, Server, out var repr, out var reason), reason.ToString());
        Assert.Equal((ushort)536, repr.MaxSegmentSize);
    }

    [Fact]
    public void EndOfList_StopsDecoding()
    {
        // Anything after EOL is padding, even if it would be malformed.
        var bytes = WithOptions("02040218" + "00" + "0201");
        Assert.True(Parse(bytes, Client, Server, out var repr, out _));
        Assert.Equal((ushort)536, repr.MaxSegmentSize);
    }

    [Theory]
    [InlineData(14, 14)]
    [InlineData(15, 14)]
    [InlineData(255, 14)]
    [InlineData(0, 0)]
    public void WindowScaleAbove14_IsClampedTo14(byte shift, byte expected)
    {
        // RFC 7323 §2.3: "use the value 14 instead of the specified value".
        var bytes = WithOptions("0303" + shift.ToString("x2"));
        Assert.True(Parse(bytes, Client, Server, out var repr, out _));
        Assert.Equal(expected, repr.WindowScale);
    }

    [Fact]
    public void SackOption_DecodesBlocks()
    {
        var bytes = WithOptions("0101050a0000006400000190");
        Assert.True(Parse(bytes, Client, Server, out var repr, out _));
        Assert.Equal(1, repr.SackBlocks.Count);
        Assert.Equal(new TcpSackBlock(new SeqNumber(100), new SeqNumber(400)), repr.SackBlocks[0]);
    }

    // A copy of the RST golden segment with other flags and a fresh checksum.
    private static byte[] WithFlags(byte[] template, TcpFlags flags)
    {
        var bytes = (byte[])template.Clone();
        bytes[TcpSegment.Field.Flags] = (byte)flags;
        Refill(bytes, Server, Client);
        return bytes;
    }

    // A 20-octet header from the SYN with the given options, padded with EOL to a multiple of 4, checksummed.
    private static byte[] WithOptions(string hex)
    {
        var options = Convert.FromHexString(hex);
        int length = 20 + (options.Length + 3) / 4 * 4;
        var bytes = new byte[length];
        Syn.AsSpan(0, 20).CopyTo(bytes);
        options.CopyTo(bytes.AsSpan(20));
        bytes[TcpSegment.Field.DataOffset] = (byte)(length / 4 << 4);
        Refill(bytes, Client, Server);
        return bytes;
    }

    private static void Refill(byte[] bytes, IPv4Address src, IPv4Address dst)
    {
        bytes[TcpSegment.Field.Checksum] = 0;
        bytes[TcpSegment.Field.Checksum + 1] = 0;
        ushort c = Checksum.Fold(Checksum.Sum(bytes, Checksum.PseudoHeader(src, dst, 6, bytes.Length)));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(TcpSegment.Field.Checksum), c);
    }
}
