using CsCheck;
using Teeceepee.Wire;
using IPv4Packet = Teeceepee.Wire.IPv4Packet;

namespace Teeceepee.Tests.Wire;

public class IPv4Tests
{
    private static readonly IPv4Address s_ipA = IPv4Address.Parse("198.18.1.2");
    private static readonly IPv4Address s_ipRouter = IPv4Address.Parse("198.18.1.1");

    private static byte[] Packet(string frameHex) => Captures.Bytes(frameHex)[14..];

    /// <summary>The header of the captured <c>ping -s 56</c> echo request.</summary>
    private static readonly IPv4Repr s_echoRequest = new()
    {
        Source = s_ipA,
        Destination = s_ipRouter,
        Protocol = IpProtocol.Icmp,
        PayloadLength = 64,
        TimeToLive = 64,
        Identification = 0x4422,
        DontFragment = true,
    };

    [Fact]
    public void Deconstruct_EchoRequest()
    {
        var bytes = Packet(Captures.EchoRequest);
        Assert.True(IPv4Packet.TryParse(bytes, out var packet, out var reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(4, packet.Version);
        Assert.Equal(20, packet.HeaderLength);
        Assert.Equal(0, packet.TypeOfService);
        Assert.Equal(84, packet.TotalLength);
        Assert.Equal(0x4422, packet.Identification);
        Assert.True(packet.DontFragment);
        Assert.False(packet.MoreFragments);
        Assert.Equal(0, packet.FragmentOffset);
        Assert.False(packet.IsFragment);
        Assert.Equal(64, packet.TimeToLive);
        Assert.Equal(IpProtocol.Icmp, packet.Protocol);
        Assert.Equal(0x685f, packet.HeaderChecksum);
        Assert.True(packet.IsChecksumValid);
        Assert.Equal(s_ipA, packet.Source);
        Assert.Equal(s_ipRouter, packet.Destination);
        Assert.Equal(0, packet.Options.Length);
        Assert.Equal(20, packet.Header.Length);
        Assert.True(packet.Payload.SequenceEqual(bytes.AsSpan(20)));
        Assert.True(IPv4Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(s_echoRequest, repr);
    }

    [Theory]
    [InlineData(Captures.FragmentedEchoFirst, true, 0, 1480)]
    [InlineData(Captures.FragmentedEchoMiddle, true, 1480, 1480)]
    [InlineData(Captures.FragmentedEchoLast, false, 2960, 48)]
    public void Deconstruct_Fragments(string hex, bool moreFragments, int offset, int payloadLength)
    {
        Assert.True(IPv4Packet.TryParse(Packet(hex), out var packet, out _));
        Assert.Equal(0x4423, packet.Identification);
        Assert.False(packet.DontFragment);
        Assert.Equal(moreFragments, packet.MoreFragments);
        Assert.Equal(offset, packet.FragmentOffset);
        Assert.True(packet.IsFragment);
        Assert.Equal(payloadLength, packet.Payload.Length);
        Assert.True(IPv4Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(payloadLength, repr.PayloadLength);
        Assert.Equal(offset, repr.FragmentOffset);
        Assert.Equal(moreFragments, repr.MoreFragments);
    }

    [Fact]
    public void Deconstruct_Fragments_ReassembleToTheEchoRequest()
    {
        var whole = new byte[3008];
        foreach (var hex in new[] { Captures.FragmentedEchoFirst, Captures.FragmentedEchoMiddle, Captures.FragmentedEchoLast })
        {
            Assert.True(IPv4Packet.TryParse(Packet(hex), out var packet, out _));
            packet.Payload.CopyTo(whole.AsSpan(packet.FragmentOffset));
        }
        Assert.True(IcmpPacket.TryParse(whole, out var icmp, out _));
        Assert.Equal(IcmpType.EchoRequest, icmp.Type);
        Assert.Equal(3000, icmp.Data.Length);
    }

    [Fact]
    public void Deconstruct_RecordRouteOptions()
    {
        var bytes = Packet(Captures.EchoRecordRoute);
        Assert.True(IPv4Packet.TryParse(bytes, out var packet, out _));
        Assert.Equal(60, packet.HeaderLength);
        Assert.Equal(40, packet.Options.Length);
        Assert.Equal(1, packet.Options[0]);      // NOP
        Assert.Equal(7, packet.Options[1]);      // record route
        Assert.Equal(39, packet.Options[2]);     // its length
        Assert.Equal(s_ipA, IPv4Address.Read(packet.Options[4..]));
        Assert.Equal(64, packet.Payload.Length);
        Assert.Equal(IcmpType.EchoRequest, (IcmpType)packet.Payload[0]);
        Assert.True(IPv4Repr.TryParse(packet, out var repr, out _));
        Assert.Equal(64, repr.PayloadLength);
    }

    [Fact]
    public void Deconstruct_TypeOfService()
    {
        Assert.True(IPv4Packet.TryParse(Packet(Captures.PortUnreachable), out var packet, out _));
        Assert.Equal(0xC0, packet.TypeOfService); // Linux sends ICMP errors with precedence 6 (internetwork control)
    }

    [Fact]
    public void Deconstruct_EthernetPadding_IsCutOff()
    {
        // The UDP packet is 43 octets; a 60-octet Ethernet frame carries 3 octets of padding after it.
        var padded = new byte[46];
        Packet(Captures.UdpToClosedPort).CopyTo(padded, 0);
        padded.AsSpan(35).Fill(0xEE);
        Assert.True(IPv4Packet.TryParse(padded, out var packet, out _));
        Assert.Equal(35, packet.Buffer.Length);
        Assert.Equal(15, packet.Payload.Length);
        Assert.DoesNotContain((byte)0xEE, packet.Payload.ToArray());
    }

    [Fact]
    public void Construct_EchoRequest_MatchesCapture()
    {
        var captured = Packet(Captures.EchoRequest);
        var bytes = new byte[s_echoRequest.BufferLength];
        captured.AsSpan(20).CopyTo(bytes.AsSpan(20));
        s_echoRequest.Emit(bytes);
        Assert.Equal(captured, bytes);
    }

    [Fact]
    public void Construct_Fragment_MatchesCapture()
    {
        var captured = Packet(Captures.FragmentedEchoLast);
        var repr = s_echoRequest with { Identification = 0x4423, DontFragment = false, FragmentOffset = 2960, PayloadLength = 48 };
        var header = new byte[IPv4Repr.HeaderLength];
        repr.Emit(header);
        Assert.Equal(captured[..20], header);
    }

    [Fact]
    public void Construct_WritesOnlyTheHeader()
    {
        var bytes = new byte[IPv4Repr.HeaderLength + 4];
        bytes.AsSpan(20).Fill(0xAB);
        (s_echoRequest with { PayloadLength = 4 }).Emit(bytes);
        Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB, 0xAB }, bytes[20..]);
        Assert.Equal(0, Checksum.Compute(bytes.AsSpan(0, 20)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(19)]
    public void Truncated_ReturnsTruncatedHeader(int length)
    {
        Assert.False(IPv4Packet.TryParse(Packet(Captures.EchoRequest).AsSpan(0, length), out _, out var reason));
        Assert.Equal(WireError.TruncatedHeader, reason);
    }

    [Fact]
    public void Truncated_PayloadShorterThanTotalLength_ReturnsBadTotalLength()
    {
        Assert.False(IPv4Packet.TryParse(Packet(Captures.EchoRequest).AsSpan(0, 83), out _, out var reason));
        Assert.Equal(WireError.BadTotalLength, reason);
    }

    [Theory]
    [InlineData(0x0)]
    [InlineData(0x6)]
    [InlineData(0xF)]
    public void OtherVersion_ReturnsBadVersion(int version)
    {
        var bytes = Packet(Captures.EchoRequest);
        bytes[0] = (byte)(version << 4 | 5);
        Assert.False(IPv4Packet.TryParse(WireGen.FixIPv4Checksum(bytes), out _, out var reason));
        Assert.Equal(WireError.BadVersion, reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void HeaderLengthBelowFive_ReturnsBadHeaderLength(int ihl)
    {
        var bytes = Packet(Captures.EchoRequest);
        bytes[0] = (byte)(0x40 | ihl);
        Assert.False(IPv4Packet.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.BadHeaderLength, reason);
    }

    [Fact]
    public void HeaderLengthPastBuffer_ReturnsBadHeaderLength()
    {
        var bytes = Packet(Captures.EchoRequest)[..40];
        bytes[0] = 0x4F; // 60-octet header in a 40-octet buffer
        Assert.False(IPv4Packet.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.BadHeaderLength, reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    [InlineData(85)]
    [InlineData(0xFFFF)]
    public void TotalLengthOutOfRange_ReturnsBadTotalLength(int totalLength)
    {
        var bytes = Packet(Captures.EchoRequest);
        bytes[2] = (byte)(totalLength >> 8);
        bytes[3] = (byte)totalLength;
        Assert.False(IPv4Packet.TryParse(WireGen.FixIPv4Checksum(bytes), out _, out var reason));
        Assert.Equal(WireError.BadTotalLength, reason);
    }

    [Fact]
    public void TotalLengthBelowOptions_ReturnsBadTotalLength()
    {
        var bytes = Packet(Captures.EchoRecordRoute);
        bytes[3] = 40; // total length 40 < IHL 60
        Assert.False(IPv4Packet.TryParse(WireGen.FixIPv4Checksum(bytes), out _, out var reason));
        Assert.Equal(WireError.BadTotalLength, reason);
    }

    [Fact]
    public void HeaderOnly_ParsesWithEmptyPayload()
    {
        var bytes = Packet(Captures.EchoRequest)[..20];
        bytes[2] = 0;
        bytes[3] = 20;
        Assert.True(IPv4Packet.TryParse(WireGen.FixIPv4Checksum(bytes), out var packet, out _));
        Assert.Equal(0, packet.Payload.Length);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(13)]
    [InlineData(19)]
    public void CorruptHeader_ReturnsBadChecksum(int offset)
    {
        var bytes = Packet(Captures.EchoRequest);
        bytes[offset] ^= 0x01;
        Assert.False(IPv4Packet.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.BadChecksum, reason);
        Assert.True(IPv4Packet.TryParse(bytes, verifyChecksum: false, out var packet, out _));
        Assert.False(packet.IsChecksumValid);
    }

    [Fact]
    public void CorruptPayload_IsNotTheHeaderChecksumsBusiness()
    {
        var bytes = Packet(Captures.EchoRequest);
        bytes[40] ^= 0xFF;
        Assert.True(IPv4Packet.TryParse(bytes, out _, out _));
    }

    [Theory]
    [InlineData("00000000")]                    // EOL then padding
    [InlineData("01010100")]                    // NOPs then EOL
    [InlineData("00ffffff")]                    // anything after EOL is padding
    [InlineData("94040000")]                    // router alert (RFC 2113)
    [InlineData("0103030001000000")]            // NOP, a 3-octet option, NOP, EOL
    public void WellFormedOptions_Parse(string optionsHex)
    {
        Assert.True(IPv4Packet.TryParse(WithOptions(optionsHex), out var packet, out var reason), reason.ToString());
        Assert.Equal(Convert.FromHexString(optionsHex).Length, packet.Options.Length);
    }

    [Theory]
    [InlineData("07000000")]                    // length 0
    [InlineData("07010000")]                    // length 1
    [InlineData("07050000")]                    // length past the header
    [InlineData("01010107")]                    // a type with no room for its length octet
    [InlineData("0103030001020000")]            // NOP, a 3-octet option, NOP, then an option of length 0
    public void MalformedOptions_ReturnBadIPv4Option(string optionsHex)
    {
        Assert.False(IPv4Packet.TryParse(WithOptions(optionsHex), out _, out var reason));
        Assert.Equal(WireError.BadIPv4Option, reason);
    }

    [Theory]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    public void BroadcastOrMulticastSource_ReturnsBadSourceAddress(string source)
    {
        var bytes = Packet(Captures.EchoRequest);
        IPv4Address.Parse(source).WriteTo(bytes.AsSpan(12));
        Assert.False(IPv4Packet.TryParse(WireGen.FixIPv4Checksum(bytes), out _, out var reason));
        Assert.Equal(WireError.BadSourceAddress, reason);
    }

    [Fact]
    public void UnspecifiedSource_IsAccepted()
    {
        // 0.0.0.0 is a legal source while a host learns its address (RFC 1122 §3.2.1.3, DHCP).
        var bytes = Packet(Captures.EchoRequest);
        IPv4Address.Any.WriteTo(bytes.AsSpan(12));
        Assert.True(IPv4Packet.TryParse(WireGen.FixIPv4Checksum(bytes), out var packet, out _));
        Assert.True(packet.Source.IsUnspecified);
    }

    [Fact]
    public void Quoted_FragmentationNeeded_ParsesTheTruncatedDatagram()
    {
        var quotedBytes = Captures.Bytes(Captures.FragmentationNeeded)[(14 + 20 + 8)..];
        Assert.False(IPv4Packet.TryParse(quotedBytes, out _, out var strict));
        Assert.Equal(WireError.BadTotalLength, strict);    // 1428 octets were sent, 548 are quoted
        Assert.True(IPv4Packet.TryParseQuoted(quotedBytes, out var quoted, out var reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(1428, quoted.TotalLength);
        Assert.True(quoted.DontFragment);
        Assert.Equal(IpProtocol.Icmp, quoted.Protocol);
        Assert.Equal(s_ipA, quoted.Source);
        Assert.Equal(IPv4Address.Parse("198.18.2.2"), quoted.Destination);
        Assert.Equal(548 - 20, quoted.Payload.Length);
    }

    [Fact]
    public void Quoted_PortUnreachable_GivesThePorts()
    {
        var quotedBytes = Captures.Bytes(Captures.PortUnreachable)[(14 + 20 + 8)..][..28]; // header + 8, the RFC 792 minimum
        Assert.True(IPv4Packet.TryParseQuoted(quotedBytes, out var quoted, out _));
        Assert.Equal(IpProtocol.Udp, quoted.Protocol);
        Assert.Equal(8, quoted.Payload.Length);
        Assert.Equal(0xc1e5, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(quoted.Payload));
        Assert.Equal(9, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(quoted.Payload[2..]));
    }

    [Theory]
    [InlineData(19, 0x45, 35, WireError.TruncatedHeader)]
    [InlineData(28, 0x65, 35, WireError.BadVersion)]
    [InlineData(28, 0x44, 35, WireError.BadHeaderLength)]
    [InlineData(28, 0x48, 35, WireError.BadHeaderLength)]
    [InlineData(28, 0x45, 19, WireError.BadTotalLength)]
    public void Quoted_Malformed_ReturnsReason(int length, byte versionAndIhl, int totalLength, WireError expected)
    {
        var quotedBytes = Packet(Captures.UdpToClosedPort)[..length];
        quotedBytes[0] = versionAndIhl;
        if (length > 3)
            quotedBytes[3] = (byte)totalLength;
        Assert.False(IPv4Packet.TryParseQuoted(quotedBytes, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Quoted_MalformedOption_ReturnsBadIPv4Option()
    {
        var bytes = WithOptions("07010000");
        Assert.False(IPv4Packet.TryParseQuoted(bytes.AsSpan(0, 32), out _, out var reason));
        Assert.Equal(WireError.BadIPv4Option, reason);
    }

    [Fact]
    public void Property_TryParseQuoted_NeverThrowsOnMutatedPackets()
    {
        var valid = Packet(Captures.EchoRecordRoute);
        WireGen.Mutation.Sample(m =>
        {
            var bytes = WireGen.Mutate(valid, m);
            if (IPv4Packet.TryParseQuoted(bytes, out var quoted, out _))
            {
                _ = quoted.Source;
                _ = quoted.Options.Length;
                Assert.Equal(Math.Min(quoted.TotalLength, bytes.Length), quoted.Header.Length + quoted.Payload.Length);
            }
        }, iter: WireGen.Iterations);
    }

    [Theory]
    [InlineData(Captures.EchoRequest)]
    [InlineData(Captures.EchoReply)]
    [InlineData(Captures.FragmentedEchoFirst)]
    [InlineData(Captures.FragmentedEchoMiddle)]
    [InlineData(Captures.FragmentedEchoLast)]
    [InlineData(Captures.UdpHello)]
    [InlineData(Captures.PortUnreachable)]
    [InlineData(Captures.TimeExceeded)]
    [InlineData(Captures.FragmentationNeeded)]
    public void RoundTrips(string hex)
    {
        var bytes = Packet(hex);
        Assert.True(IPv4Packet.TryParse(bytes, out var packet, out _));
        Assert.True(IPv4Repr.TryParse(packet, out var repr, out _));
        var emitted = (byte[])bytes.Clone();
        emitted.AsSpan(0, 20).Clear();
        repr.Emit(emitted);
        Assert.Equal(bytes, emitted);
    }

    internal static readonly Gen<IPv4Repr> Reprs =
        Gen.Select(WireGen.SourceAddress, WireGen.Address, Gen.Byte, Gen.Int[0, 200], Gen.Byte, Gen.UShort, Gen.Int[0, 7], Gen.Int[0, 0x1FFF])
            .Select((src, dst, protocol, payloadLength, ttl, id, flags, offset) => new IPv4Repr
            {
                Source = src,
                Destination = dst,
                Protocol = (IpProtocol)protocol,
                PayloadLength = payloadLength,
                TimeToLive = ttl,
                Identification = id,
                DontFragment = (flags & 1) != 0,
                MoreFragments = (flags & 2) != 0,
                FragmentOffset = offset * 8,
                TypeOfService = (byte)(id >> 8 ^ flags),
            });

    [Fact]
    public void Property_EmitThenParse_RoundTrips()
    {
        Reprs.Sample(repr =>
        {
            var bytes = new byte[repr.BufferLength];
            repr.Emit(bytes);
            return IPv4Packet.TryParse(bytes, out var packet, out _)
                && IPv4Repr.TryParse(packet, out var parsed, out _)
                && parsed == repr
                && packet.Payload.Length == repr.PayloadLength;
        }, iter: WireGen.Iterations);
    }

    /// <summary>Options lists that follow RFC 791's rules: NOPs, type-length-value options, EOL padding.</summary>
    private static readonly Gen<byte[]> s_wellFormedOptions = Gen.Int[0, 10].SelectMany(n => Gen.Select(Gen.Byte, Gen.Int[2, 12]).Array[n]).Select(items =>
    {
        var list = new List<byte>();
        foreach (var (type, length) in items)
        {
            if (type % 3 == 0)
            {
                if (list.Count + 1 > 40)
                    break;
                list.Add(1);
                continue;
            }
            if (list.Count + length > 40)
                break;
            byte kind = type < 2 ? (byte)7 : type;
            list.Add(kind);
            list.Add((byte)length);
            for (int i = 2; i < length; i++)
                list.Add((byte)(type + i));
        }
        while (list.Count % 4 != 0)
            list.Add(0);
        return list.ToArray();
    });

    [Fact]
    public void Property_WellFormedOptions_Parse()
    {
        s_wellFormedOptions.Sample(options =>
        {
            var bytes = WithOptions(Convert.ToHexString(options));
            return IPv4Packet.TryParse(bytes, out var packet, out _) && packet.Options.SequenceEqual(options) && packet.Payload.Length == 64;
        }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnRandomBytes()
    {
        // Half the cases get a plausible first octet and total length so that later checks are reached.
        Gen.Select(WireGen.Bytes(80), Gen.Bool, Gen.Bool).Sample((bytes, plausible, verify) =>
        {
            if (plausible && bytes.Length >= 20)
            {
                bytes[0] = (byte)(0x40 | (bytes[0] & 0xF));
                bytes[2] = 0;
                bytes[3] = (byte)(bytes.Length - (bytes[3] & 3));
                if ((bytes[0] & 0xF) * 4 <= bytes.Length)
                    WireGen.FixIPv4Checksum(bytes);
            }
            Touch(bytes, verify);
        }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnMutatedPackets()
    {
        var valid = Packet(Captures.EchoRecordRoute);
        Gen.Select(WireGen.Mutation, Gen.Bool).Sample((m, verify) => Touch(WireGen.Mutate(valid, m), verify), iter: WireGen.Iterations);
    }

    [Fact]
    public void Oracle_PacketDotNet_DecodesTheSameFieldsAndChecksumValidity()
    {
        Gen.Select(Reprs, Gen.Int[0, 3], s_wellFormedOptions).Sample((repr, corrupt, options) =>
        {
            var bytes = new byte[repr.BufferLength + options.Length];
            repr.Emit(bytes);
            if (options.Length > 0)
            {
                // Re-home the header behind options: IHL and total length grow by the options.
                bytes.AsSpan(20, repr.PayloadLength).CopyTo(bytes.AsSpan(20 + options.Length));
                options.CopyTo(bytes, 20);
                bytes[0] = (byte)(0x40 | (20 + options.Length) / 4);
                bytes[2] = (byte)(bytes.Length >> 8);
                bytes[3] = (byte)bytes.Length;
                WireGen.FixIPv4Checksum(bytes);
            }
            if (corrupt == 0)
                bytes[11] ^= 0x40;
            Assert.True(IPv4Packet.TryParse(bytes, verifyChecksum: false, out var ours, out _));
            var theirs = new PacketDotNet.IPv4Packet(new PacketDotNet.Utils.ByteArraySegment(bytes));
            Assert.Equal(ours.Version, (int)theirs.Version);
            Assert.Equal(ours.HeaderLength, theirs.HeaderLength * 4);
            Assert.Equal(ours.TotalLength, theirs.TotalLength);
            Assert.Equal(ours.Identification, theirs.Id);
            Assert.Equal(ours.TimeToLive, theirs.TimeToLive);
            Assert.Equal((int)ours.Protocol, (int)theirs.Protocol);
            Assert.Equal(ours.TypeOfService, theirs.TypeOfService);
            Assert.Equal(ours.HeaderChecksum, theirs.Checksum);
            Assert.Equal(ours.Source.ToIPAddress(), theirs.SourceAddress);
            Assert.Equal(ours.Destination.ToIPAddress(), theirs.DestinationAddress);
            Assert.Equal(ours.FragmentOffset, theirs.FragmentOffset * 8);
            Assert.Equal((ours.DontFragment ? 2 : 0) | (ours.MoreFragments ? 1 : 0), theirs.FragmentFlags);
            Assert.Equal(ours.IsChecksumValid, theirs.ValidIPChecksum);
            Assert.Equal(ours.IsChecksumValid, corrupt != 0);
        }, iter: WireGen.OracleIterations);
    }

    private static void Touch(byte[] bytes, bool verify)
    {
        if (!IPv4Packet.TryParse(bytes, verify, out var packet, out var reason))
        {
            Assert.NotEqual(WireError.None, reason);
            return;
        }
        _ = packet.Version;
        _ = packet.TypeOfService;
        _ = packet.IsFragment;
        _ = packet.FragmentOffset;
        _ = packet.IsChecksumValid;
        _ = packet.Source;
        _ = packet.Destination;
        _ = packet.Options.Length;
        _ = packet.Header.Length;
        Assert.Equal(packet.TotalLength, packet.Header.Length + packet.Payload.Length);
        if (IPv4Repr.TryParse(packet, out var repr, out _))
            repr.Emit(new byte[repr.BufferLength]);
    }

    /// <summary>The captured echo request with the given options inserted (IHL, total length and checksum fixed).</summary>
    private static byte[] WithOptions(string optionsHex)
    {
        var options = Convert.FromHexString(optionsHex);
        var plain = Packet(Captures.EchoRequest);
        var bytes = new byte[plain.Length + options.Length];
        plain.AsSpan(0, 20).CopyTo(bytes);
        options.CopyTo(bytes, 20);
        plain.AsSpan(20).CopyTo(bytes.AsSpan(20 + options.Length));
        bytes[0] = (byte)(0x40 | (20 + options.Length) / 4);
        bytes[2] = (byte)(bytes.Length >> 8);
        bytes[3] = (byte)bytes.Length;
        return WireGen.FixIPv4Checksum(bytes);
    }
}
