using CsCheck;
using Teeceepee.Wire;
using IPv4Packet = Teeceepee.Wire.IPv4Packet;

namespace Teeceepee.Tests.Wire;

public class IcmpTests
{
    private static readonly MacAddress s_hostA = MacAddress.Parse("02:00:00:00:00:0a");
    private static readonly MacAddress s_router = MacAddress.Parse("02:00:00:00:00:1a");
    private static readonly IPv4Address s_ipA = IPv4Address.Parse("198.18.1.2");
    private static readonly IPv4Address s_ipRouter = IPv4Address.Parse("198.18.1.1");

    /// <summary>The ICMP message of a captured frame (after the 14-octet Ethernet and 20-octet IPv4 headers).</summary>
    private static byte[] Message(string frameHex) => Captures.Bytes(frameHex)[34..];

    [Fact]
    public void Deconstruct_EchoRequest()
    {
        var bytes = Message(Captures.EchoRequest);
        Assert.True(IcmpPacket.TryParse(bytes, out var packet, out var reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(IcmpType.EchoRequest, packet.Type);
        Assert.Equal(0, packet.Code);
        Assert.Equal(0x8079, packet.Checksum);
        Assert.True(packet.IsChecksumValid);
        Assert.Equal(0x264b, packet.Identifier);
        Assert.Equal(1, packet.SequenceNumber);
        Assert.Equal(56, packet.Data.Length);
        Assert.Equal(0x10, packet.Data[16]); // Linux ping: a 16-octet timeval, then 0x10, 0x11, ...
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(IcmpRepr.EchoRequest(0x264b, 1, 56), repr);
        Assert.False(repr.IsError);
    }

    [Fact]
    public void Deconstruct_EchoReply()
    {
        Assert.True(IcmpPacket.TryParse(Message(Captures.EchoReply), out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(IcmpRepr.EchoReply(0x264b, 1, 56), repr);
    }

    [Fact]
    public void Deconstruct_PortUnreachable_QuotesTheDatagram()
    {
        Assert.True(IcmpPacket.TryParse(Message(Captures.PortUnreachable), out var packet, out _));
        Assert.Equal(IcmpType.DestinationUnreachable, packet.Type);
        Assert.Equal((byte)IcmpUnreachableCode.PortUnreachable, packet.Code);
        Assert.Equal(0u, packet.RestOfHeader);
        // Linux quotes the whole (small) offending datagram.
        Assert.True(packet.QuotedDatagram.SequenceEqual(Captures.Bytes(Captures.UdpToClosedPort).AsSpan(14)));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.PortUnreachable, 35), repr);
        Assert.True(repr.IsError);

        // The stack reads the quoted header with the IPv4 view (checksum intact, full datagram here).
        Assert.True(IPv4Packet.TryParse(packet.QuotedDatagram, out var quoted, out _));
        Assert.Equal(IpProtocol.Udp, quoted.Protocol);
        Assert.Equal(s_ipRouter, quoted.Destination);
    }

    [Fact]
    public void Deconstruct_TimeExceeded()
    {
        Assert.True(IcmpPacket.TryParse(Message(Captures.TimeExceeded), out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(IcmpRepr.TimeExceeded(IcmpTimeExceededCode.TimeToLiveExceeded, 84), repr);
        Assert.True(packet.QuotedDatagram.SequenceEqual(Captures.Bytes(Captures.EchoTtl1).AsSpan(14)));
    }

    [Fact]
    public void Deconstruct_FragmentationNeeded_CarriesNextHopMtu()
    {
        Assert.True(IcmpPacket.TryParse(Message(Captures.FragmentationNeeded), out var packet, out _));
        Assert.Equal((byte)IcmpUnreachableCode.FragmentationNeeded, packet.Code);
        Assert.Equal(1280, packet.NextHopMtu);
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(1280, repr.NextHopMtu);
        // RFC 1812 §4.3.2.3: a router quotes as much as fits in 576 octets.
        Assert.Equal(576 - 20 - 8, repr.DataLength);
        Assert.Equal(0x45, packet.QuotedDatagram[0]);
    }

    [Fact]
    public void Construct_EchoReply_MatchesCapture()
    {
        // Answer the captured request the way the stack will: copy the data into place, emit the header.
        var request = Message(Captures.EchoRequest);
        Assert.True(IcmpPacket.TryParse(request, out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        var reply = IcmpRepr.EchoReply(repr.Identifier, repr.SequenceNumber, repr.DataLength);
        var bytes = new byte[reply.BufferLength];
        reply.Emit(bytes, packet.Data);
        Assert.Equal(Message(Captures.EchoReply), bytes);
    }

    [Fact]
    public void Construct_PortUnreachableFrame_InsideOut_MatchesCapture()
    {
        var captured = Captures.Bytes(Captures.PortUnreachable);
        var quoted = Captures.Bytes(Captures.UdpToClosedPort)[14..];
        var icmp = IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.PortUnreachable, quoted.Length);
        var ip = new IPv4Repr
        {
            Source = s_ipRouter,
            Destination = s_ipA,
            Protocol = IpProtocol.Icmp,
            PayloadLength = icmp.BufferLength,
            TimeToLive = 64,
            Identification = 0xd315,
            TypeOfService = 0xC0,
        };
        var frame = new byte[EthernetRepr.HeaderLength + ip.BufferLength];
        var ipSpan = frame.AsSpan(EthernetRepr.HeaderLength);
        var icmpSpan = ipSpan[IPv4Repr.HeaderLength..];
        quoted.CopyTo(icmpSpan[IcmpRepr.HeaderLength..]);   // payload first, in place
        icmp.Emit(icmpSpan);
        ip.Emit(ipSpan);
        new EthernetRepr(s_router, s_hostA, EtherType.IPv4).Emit(frame);
        Assert.Equal(captured, frame);
    }

    [Fact]
    public void Construct_FragmentationNeeded_MatchesCapture()
    {
        var captured = Message(Captures.FragmentationNeeded);
        var repr = IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.FragmentationNeeded, captured.Length - 8, nextHopMtu: 1280);
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, captured.AsSpan(8));
        Assert.Equal(captured, bytes);
    }

    [Fact]
    public void Construct_NextHopMtu_OnlyForFragmentationNeeded()
    {
        Assert.Equal(0, IcmpRepr.DestinationUnreachable(IcmpUnreachableCode.HostUnreachable, 28, nextHopMtu: 1280).NextHopMtu);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Truncated_ReturnsTruncatedHeader(int length)
    {
        Assert.False(IcmpPacket.TryParse(Message(Captures.EchoRequest).AsSpan(0, length), out _, out var reason));
        Assert.Equal(WireError.TruncatedHeader, reason);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(63)]
    public void Corrupt_ReturnsBadChecksum(int offset)
    {
        var bytes = Message(Captures.EchoRequest);
        bytes[offset] ^= 0x20;
        Assert.False(IcmpPacket.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.BadChecksum, reason);
        Assert.True(IcmpPacket.TryParse(bytes, verifyChecksum: false, out var packet, out _));
        Assert.False(packet.IsChecksumValid);
    }

    [Fact]
    public void OddLength_ChecksumPadsWithZero()
    {
        var repr = IcmpRepr.EchoRequest(7, 9, 3);
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, new byte[] { 0xAA, 0xBB, 0xCC });
        Assert.True(IcmpPacket.TryParse(bytes, out var packet, out _));
        Assert.True(packet.Data.SequenceEqual(new byte[] { 0xAA, 0xBB, 0xCC }));
    }

    [Theory]
    [InlineData(IcmpType.Timestamp, 0)]
    [InlineData(IcmpType.TimestampReply, 0)]
    [InlineData(IcmpType.Redirect, 1)]
    [InlineData(IcmpType.SourceQuench, 0)]
    [InlineData(IcmpType.RouterAdvertisement, 0)]
    [InlineData((IcmpType)42, 0)]
    [InlineData((IcmpType)255, 255)]
    public void UndecodedType_ViewParses_ReprReturnsUnsupportedIcmp(IcmpType type, byte code)
    {
        var bytes = Message(Captures.EchoRequest);
        bytes[0] = (byte)type;
        bytes[1] = code;
        WireGen.FixIcmpChecksum(bytes);
        Assert.True(IcmpPacket.TryParse(bytes, out var packet, out _));
        Assert.Equal(type, packet.Type);  // the stack counts it by type
        Assert.Equal(code, packet.Code);
        Assert.False(IcmpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.UnsupportedIcmp, reason);
    }

    [Theory]
    [InlineData(IcmpType.DestinationUnreachable, 16)]
    [InlineData(IcmpType.DestinationUnreachable, 255)]
    [InlineData(IcmpType.TimeExceeded, 2)]
    public void UnknownErrorCode_ReturnsUnsupportedIcmp(IcmpType type, byte code)
    {
        var bytes = Message(Captures.PortUnreachable);
        bytes[0] = (byte)type;
        bytes[1] = code;
        Assert.True(IcmpPacket.TryParse(WireGen.FixIcmpChecksum(bytes), out var packet, out _));
        Assert.False(IcmpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.UnsupportedIcmp, reason);
    }

    [Theory]
    [InlineData(Captures.PortUnreachable)]
    [InlineData(Captures.TimeExceeded)]
    public void AllErrorCodes_Decode(string hex)
    {
        var bytes = Message(hex);
        int maxCode = bytes[0] == (byte)IcmpType.TimeExceeded ? 1 : 15;
        for (int code = 0; code <= maxCode; code++)
        {
            bytes[1] = (byte)code;
            Assert.True(IcmpPacket.TryParse(WireGen.FixIcmpChecksum(bytes), out var packet, out _));
            Assert.True(IcmpRepr.TryParse(packet, out var repr, out var reason), reason.ToString());
            Assert.Equal(code, repr.Code);
        }
    }

    [Fact]
    public void ParameterProblem_RoundTrips_WithItsPointer()
    {
        // RFC 792: type 12, code 0, the pointer in the first octet after the checksum, three unused octets, the quote.
        var quoted = Message(Captures.TimeExceeded).AsSpan(8, 28).ToArray();
        var repr = IcmpRepr.ParameterProblem(pointer: 9, quoted.Length);
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, quoted);
        Assert.Equal(new byte[] { 12, 0 }, bytes[..2]);
        Assert.Equal(new byte[] { 9, 0, 0, 0 }, bytes[4..8]);
        Assert.True(IcmpPacket.TryParse(bytes, out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var parsed, out var reason), reason.ToString());
        Assert.Equal(repr, parsed);
        Assert.True(parsed.IsError);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(255)]
    public void ParameterProblem_UnknownCode_ReturnsUnsupportedIcmp(byte code)
    {
        var repr = IcmpRepr.ParameterProblem(0, 28, code);
        var bytes = new byte[repr.BufferLength];
        repr.Emit(bytes, Message(Captures.TimeExceeded).AsSpan(8, 28));
        Assert.True(IcmpPacket.TryParse(bytes, out var packet, out _));
        Assert.False(IcmpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.UnsupportedIcmp, reason);
    }

    [Theory]
    [InlineData(8 + 27, 0x45)]   // one octet short of header + 8
    [InlineData(8 + 28, 0x65)]   // quoted version 6
    [InlineData(8 + 28, 0x44)]   // quoted IHL 4
    [InlineData(8 + 30, 0x46)]   // quoted IHL 6 needs 32 octets
    [InlineData(8, 0)]           // nothing quoted
    public void ErrorWithoutQuotedHeader_ReturnsUnsupportedIcmp(int length, byte firstQuotedOctet)
    {
        var bytes = Message(Captures.TimeExceeded)[..length];
        if (length > 8)
            bytes[8] = firstQuotedOctet;
        Assert.True(IcmpPacket.TryParse(WireGen.FixIcmpChecksum(bytes), out var packet, out _));
        Assert.False(IcmpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.UnsupportedIcmp, reason);
    }

    [Fact]
    public void ErrorWithHeaderPlusEightOctets_Decodes()
    {
        var bytes = WireGen.FixIcmpChecksum(Message(Captures.TimeExceeded)[..(8 + 28)]);
        Assert.True(IcmpPacket.TryParse(bytes, out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(28, repr.DataLength);
    }

    [Fact]
    public void ErrorQuotingHeaderWithOptions_Decodes()
    {
        // The quoted header may carry options (IHL 6 here): header 24 + 8 octets of its payload.
        var bytes = Message(Captures.TimeExceeded)[..(8 + 32)];
        bytes[8] = 0x46;
        Assert.True(IcmpPacket.TryParse(WireGen.FixIcmpChecksum(bytes), out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out var reason), reason.ToString());
        Assert.Equal(32, repr.DataLength);
    }

    [Fact]
    public void EchoWithNonZeroCode_IsAccepted()
    {
        var bytes = Message(Captures.EchoRequest);
        bytes[1] = 3;
        Assert.True(IcmpPacket.TryParse(WireGen.FixIcmpChecksum(bytes), out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(3, repr.Code);
    }

    [Theory]
    [InlineData(Captures.EchoRequest)]
    [InlineData(Captures.EchoReply)]
    [InlineData(Captures.PortUnreachable)]
    [InlineData(Captures.TimeExceeded)]
    [InlineData(Captures.FragmentationNeeded)]
    public void RoundTrips(string hex)
    {
        var bytes = Message(hex);
        Assert.True(IcmpPacket.TryParse(bytes, out var packet, out _));
        Assert.True(IcmpRepr.TryParse(packet, out var repr, out _));
        var emitted = (byte[])bytes.Clone();
        emitted.AsSpan(0, 8).Clear();
        repr.Emit(emitted);
        Assert.Equal(bytes, emitted);
    }

    private static readonly Gen<IcmpRepr> s_echoReprs =
        Gen.Select(Gen.Bool, Gen.UShort, Gen.UShort, Gen.Int[0, 120])
            .Select((request, id, seq, length) => request ? IcmpRepr.EchoRequest(id, seq, length) : IcmpRepr.EchoReply(id, seq, length));

    private static readonly Gen<IcmpRepr> s_errorReprs =
        Gen.Select(Gen.Bool, Gen.Byte[0, 15], Gen.UShort, Gen.Int[28, 120])
            .Select((unreachable, code, mtu, length) => unreachable
                ? IcmpRepr.DestinationUnreachable((IcmpUnreachableCode)code, length, mtu)
                : IcmpRepr.TimeExceeded((IcmpTimeExceededCode)(code & 1), length));

    private static readonly Gen<(IcmpRepr Repr, byte[] Data)> s_messages =
        Gen.Frequency((2, s_echoReprs), (1, s_errorReprs))
            .SelectMany(repr => Gen.Byte.Array[repr.DataLength].Select(data => (repr, Quote(repr, data))));

    private static byte[] Quote(IcmpRepr repr, byte[] data)
    {
        if (repr.IsError)
            data[0] = 0x45; // errors quote an IPv4 header
        return data;
    }

    [Fact]
    public void Property_EmitThenParse_RoundTrips()
    {
        s_messages.Sample(t =>
        {
            var bytes = new byte[t.Repr.BufferLength];
            t.Repr.Emit(bytes, t.Data);
            return IcmpPacket.TryParse(bytes, out var packet, out _)
                && IcmpRepr.TryParse(packet, out var parsed, out _)
                && parsed == t.Repr
                && packet.Data.SequenceEqual(t.Data);
        }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnRandomBytes()
    {
        // Half the cases get a valid checksum so that the type decoding is reached.
        Gen.Select(WireGen.Bytes(64), Gen.Bool).Sample((bytes, fix) =>
        {
            if (fix && bytes.Length >= 8)
            {
                bytes[0] = (byte)(bytes[0] % 16);
                WireGen.FixIcmpChecksum(bytes);
            }
            Touch(bytes);
        }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnMutatedMessages()
    {
        var valid = Message(Captures.PortUnreachable);
        Gen.Select(WireGen.Mutation, Gen.Bool).Sample((m, fix) =>
        {
            var bytes = WireGen.Mutate(valid, m);
            if (fix && bytes.Length >= 8)
                WireGen.FixIcmpChecksum(bytes);
            Touch(bytes);
        }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Oracle_PacketDotNet_DecodesEchoAndAgreesOnChecksum()
    {
        Gen.Select(s_echoReprs, Gen.Int[0, 3]).SelectMany((repr, corrupt) => Gen.Byte.Array[repr.DataLength].Select(data => (repr, corrupt, data)))
            .Sample(t =>
            {
                var (repr, corrupt, data) = t;
                var bytes = new byte[repr.BufferLength];
                repr.Emit(bytes, data);
                if (corrupt == 0)
                    bytes[bytes.Length - 1] ^= 0x80;
                Assert.True(IcmpPacket.TryParse(bytes, verifyChecksum: false, out var ours, out _));
                var theirs = new PacketDotNet.IcmpV4Packet(new PacketDotNet.Utils.ByteArraySegment(bytes));
                Assert.Equal((int)ours.Type << 8 | ours.Code, (int)theirs.TypeCode);
                Assert.Equal(ours.Identifier, theirs.Id);
                Assert.Equal(ours.SequenceNumber, theirs.Sequence);
                Assert.Equal(ours.Checksum, theirs.Checksum);
                Assert.True(ours.Data.SequenceEqual(theirs.Data));
                Assert.Equal(ours.IsChecksumValid, theirs.ValidIcmpChecksum);
                Assert.Equal(ours.IsChecksumValid, corrupt != 0);
            }, iter: WireGen.OracleIterations);
    }

    private static void Touch(byte[] bytes)
    {
        if (!IcmpPacket.TryParse(bytes, out var packet, out var reason))
        {
            Assert.NotEqual(WireError.None, reason);
            return;
        }
        _ = packet.Type;
        _ = packet.Code;
        _ = packet.RestOfHeader;
        _ = packet.Identifier;
        _ = packet.SequenceNumber;
        _ = packet.NextHopMtu;
        _ = packet.QuotedDatagram.Length;
        if (IcmpRepr.TryParse(packet, out var repr, out _))
            repr.Emit(new byte[repr.BufferLength]);
    }
}
