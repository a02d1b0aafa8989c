using Teeceepee.Wire;

namespace Teeceepee.Tests.Wire;

/// <summary>The view, against TCP segments captured from Linux (kernel 6.x) over a veth pair between two namespaces.</summary>
public class TcpSegmentTests
{
    // Captured with tcpdump (checksum offload off) while socat sent one line from 198.18.5.1 to 198.18.5.2:8080,
    // then connected to the closed port 9 (TcpGoldenCapture.sh beside this file re-creates such a capture).
    // Each constant is the IPv4 payload (the whole TCP segment).
    internal static readonly IPv4Address Client = IPv4Address.Parse("198.18.5.1");
    internal static readonly IPv4Address Server = IPv4Address.Parse("198.18.5.2");

    /// <summary>198.18.5.1.49772 > 198.18.5.2.8080: [S] seq 3032179443 win 64240 [mss 1460,sackOK,TS val 944732909 ecr 0,nop,wscale 10].</summary>
    internal static readonly byte[] Syn = Convert.FromHexString(
        "c26c1f90b4bb62f300000000a002faf009fc0000020405b40402080a384f7aed000000000103030a");

    /// <summary>198.18.5.2.8080 > 198.18.5.1.49772: [S.] seq 176970683 ack 3032179444 win 65160 [mss 1460,sackOK,TS val 1995711021 ecr 944732909,nop,wscale 10].</summary>
    internal static readonly byte[] SynAck = Convert.FromHexString(
        "1f90c26c0a8c5bbbb4bb62f4a012fe8806ea0000020405b40402080a76f4222d384f7aed0103030a");

    /// <summary>198.18.5.1.49772 > 198.18.5.2.8080: [P.] seq 1:36 ack 1 win 63 [nop,nop,TS val 944732909 ecr 1995711021], 35 octets.</summary>
    internal static readonly byte[] Data = Convert.FromHexString(
        "c26c1f90b4bb62f40a8c5bbc8018003f26fd00000101080a384f7aed76f4222d" +
        "474554202f20485454502f312e302068656c6c6f20776f726c64207061796c6f61640a");

    /// <summary>198.18.5.1.49772 > 198.18.5.2.8080: [F.] seq 36 ack 1 win 63 [nop,nop,TS val 944732909 ecr 1995711021].</summary>
    internal static readonly byte[] Fin = Convert.FromHexString(
        "c26c1f90b4bb63170a8c5bbc8011003f33df00000101080a384f7aed76f4222d");

    /// <summary>198.18.5.2.9 > 198.18.5.1.36454: [R.] seq 0 ack 1568713662 win 0 (answer to a SYN to a closed port).</summary>
    internal static readonly byte[] Rst = Convert.FromHexString(
        "00098e66000000005d80abbe5014000081fa0000");

    /// <summary>
    /// 198.18.5.2.8080 > 198.18.5.1.40001: [.] seq 3775092218 ack 1001 win 64 [nop,nop,TS val 3811184106 ecr 5001,
    /// nop,nop,sack 1 {1101:1201}]: the kernel's duplicate ACK after a 100-octet hole (TcpSackCapture.sh).
    /// </summary>
    internal static readonly byte[] SackAck = Convert.FromHexString(
        "1f909c41e10355fa000003e9b0100040a5e900000101080ae32a0dea000013890101050a0000044d000004b1");

    internal const string DataText = "GET / HTTP/1.0 hello world payload\n";

    [Fact]
    public void Deconstruct_Syn_ReadsEveryField()
    {
        Assert.True(TcpSegment.TryParse(Syn, out var s, out var reason));
        Assert.Equal(WireError.None, reason);
        Assert.Equal(49772, s.SourcePort);
        Assert.Equal(8080, s.DestinationPort);
        Assert.Equal(3032179443u, s.SeqNumber.Value);
        Assert.Equal(0u, s.AckNumber.Value);
        Assert.Equal(40, s.HeaderLength);
        Assert.Equal(TcpFlags.Syn, s.Flags);
        Assert.True(s.Syn);
        Assert.False(s.Ack || s.Fin || s.Rst || s.Psh || s.Urg || s.Ece || s.Cwr || s.Ns);
        Assert.Equal(64240, s.WindowLength);
        Assert.Equal(0x09fc, s.Checksum);
        Assert.Equal(0, s.UrgentPointer);
        Assert.Equal(20, s.Options.Length);
        Assert.Equal(0, s.Payload.Length);
        Assert.True(s.VerifyChecksum(Client, Server));
    }

    [Fact]
    public void Deconstruct_Data_ExposesPayload()
    {
        Assert.True(TcpSegment.TryParse(Data, out var s, out _));
        Assert.Equal(32, s.HeaderLength);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, s.Flags);
        Assert.True(s.Psh && s.Ack);
        Assert.Equal(DataText, System.Text.Encoding.ASCII.GetString(s.Payload));
        Assert.Equal(Data.Length, s.Buffer.Length);
        Assert.True(s.VerifyChecksum(Client, Server));
    }

    [Fact]
    public void Deconstruct_SackAck_HasFourteenOptionOctetsPlusPadding()
    {
        Assert.True(TcpSegment.TryParse(SackAck, out var s, out _));
        Assert.Equal(44, s.HeaderLength);
        Assert.Equal(TcpFlags.Ack, s.Flags);
        Assert.Equal(0, s.Payload.Length);
        Assert.True(s.VerifyChecksum(Server, Client));
    }

    [Fact]
    public void Deconstruct_Rst_HasNoOptions()
    {
        Assert.True(TcpSegment.TryParse(Rst, out var s, out _));
        Assert.Equal(20, s.HeaderLength);
        Assert.True(s.Rst && s.Ack);
        Assert.Equal(0, s.Options.Length);
        Assert.Equal(1568713662u, s.AckNumber.Value);
        Assert.True(s.VerifyChecksum(Server, Client));
    }

    [Fact]
    public void Deconstruct_AllFlagBits_ReadIndividually()
    {
        var bytes = (byte[])Rst.Clone();
        bytes[TcpSegment.Field.DataOffset] |= 1;
        bytes[TcpSegment.Field.Flags] = 0xFF;
        Assert.True(TcpSegment.TryParse(bytes, out var s, out _));
        Assert.True(s.Fin && s.Syn && s.Rst && s.Psh && s.Ack && s.Urg && s.Ece && s.Cwr && s.Ns);
        Assert.Equal((TcpFlags)0xFF, s.Flags);
        Assert.Equal(20, s.HeaderLength);
    }

    [Fact]
    public void VerifyChecksum_WrongAddressOrFlippedBit_Fails()
    {
        Assert.True(TcpSegment.TryParse(Data, out var s, out _));
        Assert.False(s.VerifyChecksum(Server, IPv4Address.Parse("198.18.5.3")));
        var corrupt = (byte[])Data.Clone();
        corrupt[^1] ^= 0x01;
        Assert.True(TcpSegment.TryParse(corrupt, out var c, out _));
        Assert.False(c.VerifyChecksum(Client, Server));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(19)]
    public void Truncated_ReturnsTruncatedHeader(int length)
    {
        Assert.False(TcpSegment.TryParse(Syn.AsSpan(0, length), out _, out var reason));
        Assert.Equal(WireError.TruncatedHeader, reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void DataOffsetBelowFive_ReturnsBadHeaderLength(int dataOffset)
    {
        var bytes = (byte[])Rst.Clone();
        bytes[TcpSegment.Field.DataOffset] = (byte)(dataOffset << 4);
        Assert.False(TcpSegment.TryParse(bytes, out _, out var reason));
        Assert.Equal(WireError.BadHeaderLength, reason);
    }

    [Fact]
    public void DataOffsetPastBuffer_ReturnsBadHeaderLength()
    {
        // The SYN's header is 40 octets; cut inside the options.
        Assert.False(TcpSegment.TryParse(Syn.AsSpan(0, 39), out _, out var reason));
        Assert.Equal(WireError.BadHeaderLength, reason);
        Assert.True(TcpSegment.TryParse(Syn.AsSpan(0, 40), out _, out _));
    }

    [Fact]
    public void DataOffsetFifteen_CoversSixtyOctets()
    {
        var bytes = new byte[60];
        Rst.CopyTo(bytes, 0);
        bytes[TcpSegment.Field.DataOffset] = 0xF0;
        Assert.True(TcpSegment.TryParse(bytes, out var s, out _));
        Assert.Equal(TcpSegment.MaxHeaderLength, s.HeaderLength);
        Assert.Equal(40, s.Options.Length);
        Assert.Equal(0, s.Payload.Length);
    }
}
