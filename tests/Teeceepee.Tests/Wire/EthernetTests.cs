using System.Net.NetworkInformation;
using CsCheck;
using PacketDotNet;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

public class EthernetTests
{
    private static readonly MacAddress s_hostA = MacAddress.Parse("02:00:00:00:00:0a");
    private static readonly MacAddress s_router = MacAddress.Parse("02:00:00:00:00:1a");

    [Fact]
    public void Deconstruct_BroadcastArpRequest()
    {
        var bytes = Captures.Bytes(Captures.ArpRequest);
        Assert.True(EthernetFrame.TryParse(bytes, out var frame, out var reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(MacAddress.Broadcast, frame.Destination);
        Assert.Equal(s_hostA, frame.Source);
        Assert.Equal(EtherType.Arp, frame.EtherType);
        Assert.Equal(28, frame.Payload.Length);
        Assert.True(frame.Payload.SequenceEqual(bytes.AsSpan(14)));
        Assert.Equal(bytes.Length, frame.Buffer.Length);
    }

    [Fact]
    public void Deconstruct_IPv4Frame_GivesRepr()
    {
        var bytes = Captures.Bytes(Captures.EchoReply);
        Assert.True(EthernetFrame.TryParse(bytes, out var frame, out _));
        Assert.True(EthernetRepr.TryParse(frame, out var repr, out var reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(new EthernetRepr(s_router, s_hostA, EtherType.IPv4), repr);
        Assert.Equal(84, frame.Payload.Length);
    }

    [Fact]
    public void Construct_MatchesCapturedHeader()
    {
        var captured = Captures.Bytes(Captures.EchoRequest);
        var repr = new EthernetRepr { Source = s_hostA, Destination = s_router, EtherType = EtherType.IPv4 };
        var header = new byte[repr.BufferLength];
        repr.Emit(header);
        Assert.Equal(EthernetRepr.HeaderLength, header.Length);
        Assert.Equal(captured.AsSpan(0, 14).ToArray(), header);
    }

    [Fact]
    public void Construct_LeavesPayloadAlone()
    {
        var frame = new byte[20];
        frame.AsSpan(14).Fill(0xAB);
        new EthernetRepr(s_hostA, MacAddress.Broadcast, EtherType.Arp).Emit(frame);
        Assert.Equal("ffffffffffff02000000000a0806abababababab", Convert.ToHexStringLower(frame));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(13)]
    public void Truncated_ReturnsTruncatedHeader(int length)
    {
        var bytes = Captures.Bytes(Captures.ArpRequest).AsSpan(0, length);
        Assert.False(EthernetFrame.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.TruncatedHeader, reason);
    }

    [Fact]
    public void HeaderOnly_ParsesWithEmptyPayload()
    {
        var bytes = Captures.Bytes(Captures.ArpRequest).AsSpan(0, 14);
        Assert.True(EthernetFrame.TryParse(bytes, out var frame, out _));
        Assert.Equal(0, frame.Payload.Length);
    }

    [Theory]
    [InlineData(0x8100)]
    [InlineData(0x88A8)]
    public void VlanTagged_ReturnsUnsupportedVlan(int tpid)
    {
        var bytes = WithEtherType(Captures.Bytes(Captures.EchoRequest), (ushort)tpid);
        Assert.False(EthernetFrame.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.UnsupportedVlan, reason);
    }

    [Theory]
    [InlineData(0x0000)]
    [InlineData(0x002E)]
    [InlineData(0x05DC)]
    [InlineData(0x05FF)]
    public void Ieee8023LengthField_ReturnsUnsupportedEtherType(int lengthField)
    {
        var bytes = WithEtherType(Captures.Bytes(Captures.EchoRequest), (ushort)lengthField);
        Assert.False(EthernetFrame.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.UnsupportedEtherType, reason);
    }

    [Theory]
    [InlineData(0x0600)]
    [InlineData(0x88CC)]
    public void OtherEtherType_ViewParses_ReprReturnsUnsupportedEtherType(int type)
    {
        var bytes = WithEtherType(Captures.Bytes(Captures.EchoRequest), (ushort)type);
        Assert.True(EthernetFrame.TryParse(bytes, out var frame, out _));
        Assert.Equal((EtherType)type, frame.EtherType);
        Assert.False(EthernetRepr.TryParse(frame, out _, out var reason));
        Assert.Equal(WireError.UnsupportedEtherType, reason);
    }

    [Theory]
    [InlineData(Captures.ArpRequest)]
    [InlineData(Captures.ArpReply)]
    [InlineData(Captures.EchoRequest)]
    [InlineData(Captures.FragmentedEchoFirst)]
    [InlineData(Captures.UdpHello)]
    [InlineData(IPv6Captures.EchoRequest)]
    [InlineData(IPv6Captures.Mldv2Report)]
    public void RoundTrips(string hex)
    {
        var bytes = Captures.Bytes(hex);
        Assert.True(EthernetFrame.TryParse(bytes, out var frame, out _));
        Assert.True(EthernetRepr.TryParse(frame, out var repr, out _));
        var copy = (byte[])bytes.Clone();
        copy.AsSpan(0, 14).Clear();
        repr.Emit(copy);
        Assert.Equal(bytes, copy);
    }

    [Fact]
    public void Property_EmitThenParse_RoundTrips()
    {
        Gen.Select(WireGen.Mac, WireGen.Mac, Gen.OneOfConst(EtherType.IPv4, EtherType.Arp), WireGen.Bytes(64))
            .Sample((src, dst, type, payload) =>
            {
                var repr = new EthernetRepr(src, dst, type);
                var frame = new byte[EthernetRepr.HeaderLength + payload.Length];
                payload.CopyTo(frame, EthernetRepr.HeaderLength);
                repr.Emit(frame);
                return EthernetFrame.TryParse(frame, out var view, out _)
                    && EthernetRepr.TryParse(view, out var parsed, out _)
                    && parsed == repr
                    && view.Payload.SequenceEqual(payload);
            }, iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnRandomBytes()
    {
        WireGen.Bytes(40).Sample(bytes => Touch(bytes), iter: WireGen.Iterations);
    }

    [Fact]
    public void Property_TryParse_NeverThrowsOnMutatedFrames()
    {
        var valid = Captures.Bytes(Captures.ArpRequest);
        WireGen.Mutation.Sample(m => Touch(WireGen.Mutate(valid, m)), iter: WireGen.Iterations);
    }

    [Fact]
    public void Oracle_PacketDotNet_DecodesTheSameFields()
    {
        Gen.Select(WireGen.Mac, WireGen.Mac, Gen.UShort[0x0600, 0xFFFF], WireGen.Bytes(60))
            .Where(t => t.Item3 is not (0x8100 or 0x88A8 or 0x9100))
            .Sample((src, dst, type, payload) =>
            {
                var frame = new byte[14 + payload.Length];
                payload.CopyTo(frame, 14);
                new EthernetRepr(src, dst, (EtherType)type).Emit(frame);
                Assert.True(EthernetFrame.TryParse(frame, out var ours, out _));
                var theirs = new EthernetPacket(new PacketDotNet.Utils.ByteArraySegment(frame));
                Assert.Equal(ToPhysical(ours.Source), theirs.SourceHardwareAddress);
                Assert.Equal(ToPhysical(ours.Destination), theirs.DestinationHardwareAddress);
                Assert.Equal((ushort)ours.EtherType, (ushort)theirs.Type);
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
        if (!EthernetFrame.TryParse(bytes, out var frame, out var reason))
        {
            Assert.NotEqual(WireError.None, reason);
            return;
        }
        _ = frame.Destination;
        _ = frame.Source;
        _ = frame.Payload.Length;
        if (EthernetRepr.TryParse(frame, out var repr, out _))
            repr.Emit(new byte[repr.BufferLength]);
    }

    private static byte[] WithEtherType(byte[] frame, ushort type)
    {
        frame[12] = (byte)(type >> 8);
        frame[13] = (byte)type;
        return frame;
    }
}
