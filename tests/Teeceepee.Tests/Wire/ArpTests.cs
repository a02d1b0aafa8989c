using System.Net.NetworkInformation;
using CsCheck;
using Teeceepee.Wire;
using ArpOperation = Teeceepee.Wire.ArpOperation;
using ArpPacket = Teeceepee.Wire.ArpPacket;

namespace Teeceepee.Tests.Wire;

public class ArpTests
{
    private static readonly MacAddress s_hostA = MacAddress.Parse("02:00:00:00:00:0a");
    private static readonly MacAddress s_router = MacAddress.Parse("02:00:00:00:00:1a");
    private static readonly IPv4Address s_ipA = IPv4Address.Parse("198.18.1.2");
    private static readonly IPv4Address s_ipRouter = IPv4Address.Parse("198.18.1.1");

    private static readonly ArpRepr s_request = new()
    {
        Operation = ArpOperation.Request,
        SenderHardwareAddress = s_hostA,
        SenderProtocolAddress = s_ipA,
        TargetHardwareAddress = MacAddress.Zero,
        TargetProtocolAddress = s_ipRouter,
    };

    private static byte[] Packet(string frameHex) => Captures.Bytes(frameHex)[14..];

    [Fact]
    public void Deconstruct_Request()
    {
        Assert.True(ArpPacket.TryParse(Packet(Captures.ArpRequest), out var packet, out var reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(1, packet.HardwareType);
        Assert.Equal(EtherType.IPv4, packet.ProtocolType);
        Assert.Equal(6, packet.HardwareLength);
        Assert.Equal(4, packet.ProtocolLength);
        Assert.Equal(ArpOperation.Request, packet.Operation);
        Assert.Equal(s_hostA, packet.SenderHardwareAddress);
        Assert.Equal(s_ipA, packet.SenderProtocolAddress);
        Assert.Equal(MacAddress.Zero, packet.TargetHardwareAddress);
        Assert.Equal(s_ipRouter, packet.TargetProtocolAddress);
        Assert.True(ArpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(s_request, repr);
    }

    [Fact]
    public void Deconstruct_Reply()
    {
        Assert.True(ArpPacket.TryParse(Packet(Captures.ArpReply), out var packet, out _));
        Assert.True(ArpRepr.TryParse(packet, out var repr, out _));
        Assert.Equal(new ArpRepr
        {
            Operation = ArpOperation.Reply,
            SenderHardwareAddress = s_router,
            SenderProtocolAddress = s_ipRouter,
            TargetHardwareAddress = s_hostA,
            TargetProtocolAddress = s_ipA,
        }, repr);
    }

    [Fact]
    public void Deconstruct_EthernetPadding_IsIgnored()
    {
        // A frame padded to the 60-octet Ethernet minimum carries 18 octets after the ARP packet.
        var padded = new byte[46];
        Packet(Captures.ArpRequest).CopyTo(padded, 0);
        padded.AsSpan(28).Fill(0xEE);
        Assert.True(ArpPacket.TryParse(padded, out var packet, out _));
        Assert.Equal(28, packet.Buffer.Length);
        Assert.Equal(s_ipRouter, packet.TargetProtocolAddress);
    }

    [Fact]
    public void Construct_Request_MatchesCapture()
    {
        var bytes = new byte[s_request.BufferLength];
        s_request.Emit(bytes);
        Assert.Equal(28, bytes.Length);
        Assert.Equal(Packet(Captures.ArpRequest), bytes);
    }

    [Fact]
    public void Construct_Reply_MatchesCapture()
    {
        var reply = s_request with
        {
            Operation = ArpOperation.Reply,
            SenderHardwareAddress = s_router,
            SenderProtocolAddress = s_ipRouter,
            TargetHardwareAddress = s_hostA,
            TargetProtocolAddress = s_ipA,
        };
        var frame = new byte[EthernetRepr.HeaderLength + reply.BufferLength];
        new EthernetRepr(s_router, s_hostA, EtherType.Arp).Emit(frame);
        reply.Emit(frame.AsSpan(EthernetRepr.HeaderLength));
        Assert.Equal(Captures.Bytes(Captures.ArpReply), frame);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(27)]
    public void Truncated_ReturnsTruncatedHeader(int length)
    {
        Assert.False(ArpPacket.TryParse(Packet(Captures.ArpRequest).AsSpan(0, length), out _, out var reason));
        Assert.Equal(WireError.TruncatedHeader, reason);
    }

    [Theory]
    [InlineData(0, 6)]     // hardware type 6 (IEEE 802 networks)
    [InlineData(1, 0x00)]  // hardware type high octet
    [InlineData(2, 0x86)]  // protocol type 0x86DD
    [InlineData(4, 8)]     // hardware length 8
    [InlineData(5, 16)]    // protocol length 16
    public void OtherFormat_ReturnsUnsupportedArpFormat(int offset, int value)
    {
        var bytes = Packet(Captures.ArpRequest);
        bytes[offset] = (byte)value;
        if (offset == 1)
            bytes[0] = 0x01; // hardware type 0x0100
        Assert.False(ArpPacket.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.UnsupportedArpFormat, reason);
    }

    [Fact]
    public void OtherFormat_ShortBuffer_ReportsFormatFirst()
    {
        // With an unknown format the address lengths are unknown, so the format is the reason.
        var bytes = Packet(Captures.ArpRequest)[..10];
        bytes[4] = 8;
        Assert.False(ArpPacket.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.UnsupportedArpFormat, reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]   // RARP request (RFC 903)
    [InlineData(8)]   // InARP request (RFC 2390)
    [InlineData(0xFFFF)]
    public void OtherOperation_ReturnsUnsupportedArpOperation(int op)
    {
        var bytes = Packet(Captures.ArpRequest);
        bytes[6] = (byte)(op >> 8);
        bytes[7] = (byte)op;
        Assert.True(ArpPacket.TryParse(bytes, out var packet, out _));
        Assert.Equal((ArpOperation)op, packet.Operation);
        Assert.False(ArpRepr.TryParse(packet, out _, out var reason));
        Assert.Equal(WireError.UnsupportedArpOperation, reason);
    }

    [Theory]
    [InlineData(Captures.ArpRequest)]
    [InlineData(Captures.ArpReply)]
    public void RoundTrips(string hex)
    {
        var bytes = Packet(hex);
        Assert.True(ArpPacket.TryParse(bytes, out var packet, out _));
        Assert.True(ArpRepr.TryParse(packet, out var repr, out _));
        var emitted = new byte[repr.BufferLength];
        repr.Emit(emitted);
        Assert.Equal(bytes, emitted);
    }

    private static readonly Gen<ArpRepr> s_reprs =
        Gen.Select(Gen.OneOfConst(ArpOperation.Request, ArpOperation.Reply), WireGen.Mac, WireGen.Address, WireGen.Mac, WireGen.Address)
            .Select((op, sha, spa, tha, tpa) => new ArpRepr
            {
                Operation = op,
                SenderHardwareAddress = sha,
                SenderProtocolAddress = spa,
                TargetHardwareAddress = tha,
                TargetProtocolAddress = tpa,
            });

    [Fact]
    public void Property_EmitThenParse_RoundTrips()
    {
        s_reprs.Sample(repr =>
        {
            var bytes = new byte[repr.BufferLength];
            repr.Emit(bytes);
            return ArpPacket.TryParse(bytes, out var packet, out _)
                && ArpRepr.TryParse(packet, out var parsed, out _)
                && parsed == repr;
        }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnRandomBytes()
    {
        // Half the cases start with the valid format octets so that the later checks are reached.
        Gen.Select(WireGen.Bytes(40), Gen.Bool).Sample((bytes, prefix) =>
        {
            if (prefix && bytes.Length >= 6)
                Packet(Captures.ArpRequest).AsSpan(0, 6).CopyTo(bytes);
            Touch(bytes);
        }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnMutatedPackets()
    {
        var valid = Packet(Captures.ArpReply);
        WireGen.Mutation.Sample(m => Touch(WireGen.Mutate(valid, m)), iter: WireGen.Iterations);
    }

    [Fact]
    public void Oracle_PacketDotNet_DecodesTheSameFields()
    {
        s_reprs.Sample(repr =>
        {
            var bytes = new byte[repr.BufferLength];
            repr.Emit(bytes);
            Assert.True(ArpPacket.TryParse(bytes, out var ours, out _));
            var theirs = new PacketDotNet.ArpPacket(new PacketDotNet.Utils.ByteArraySegment(bytes));
            Assert.Equal((int)ours.Operation, (int)theirs.Operation);
            Assert.Equal(PacketDotNet.LinkLayers.Ethernet, theirs.HardwareAddressType);
            Assert.Equal(PacketDotNet.EthernetType.IPv4, theirs.ProtocolAddressType);
            Assert.Equal(ToPhysical(ours.SenderHardwareAddress), theirs.SenderHardwareAddress);
            Assert.Equal(ToPhysical(ours.TargetHardwareAddress), theirs.TargetHardwareAddress);
            Assert.Equal(ours.SenderProtocolAddress.ToIPAddress(), theirs.SenderProtocolAddress);
            Assert.Equal(ours.TargetProtocolAddress.ToIPAddress(), theirs.TargetProtocolAddress);
        }, iter: WireGen.OracleIterations);
    }

    private static PhysicalAddress ToPhysical(MacAddress mac)
    {
        var b = new byte[6];
        mac.WriteTo(b);
        return new PhysicalAddress(b);
    }

    private static void Touch(byte[] bytes)
    {
        if (!ArpPacket.TryParse(bytes, out var packet, out var reason))
        {
            Assert.NotEqual(WireError.None, reason);
            return;
        }
        _ = packet.HardwareType;
        _ = packet.ProtocolType;
        _ = packet.SenderHardwareAddress;
        _ = packet.SenderProtocolAddress;
        _ = packet.TargetHardwareAddress;
        _ = packet.TargetProtocolAddress;
        if (ArpRepr.TryParse(packet, out var repr, out _))
            repr.Emit(new byte[repr.BufferLength]);
    }
}
