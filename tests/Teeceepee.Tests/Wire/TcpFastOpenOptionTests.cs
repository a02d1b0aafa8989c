using Teeceepee.Wire;
using static Teeceepee.Tests.Wire.TcpSegmentTests;

namespace Teeceepee.Tests.Wire;

/// <summary>The TCP Fast Open option, kind 34 (RFC 7413 §4.1.1).</summary>
public class TcpFastOpenOptionTests
{
    private static readonly TcpRepr Syn = new()
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

    private static bool Parse(ReadOnlySpan<byte> bytes, out TcpRepr repr, out WireError reason)
    {
        if (!TcpSegment.TryParse(bytes, out var segment, out reason))
        {
            repr = default;
            return false;
        }
        return TcpRepr.TryParse(segment, Client, Server, verifyChecksum: true, out repr, out reason);
    }

    private static TcpFastOpenCookie Cookie(string hex)
    {
        Assert.True(TcpFastOpenCookie.TryCreate(Convert.FromHexString(hex), out var cookie));
        return cookie;
    }

    [Fact]
    public void Emit_CookieRequest_IsNopNopKind34Length2()
    {
        var repr = Syn with { FastOpenCookie = TcpFastOpenCookie.Request };
        var buffer = new byte[repr.BufferLength];
        repr.Emit(buffer, Client, Server);
        Assert.Equal(44, repr.HeaderLength);
        Assert.Equal("01012202", Convert.ToHexString(buffer.AsSpan(40, 4)));
        Assert.True(Parse(buffer, out var back, out _));
        Assert.Equal(repr, back);
        Assert.True(back.FastOpenCookie!.Value.IsRequest);
    }

    [Theory]
    [InlineData("01020304", "0101220601020304")]
    [InlineData("0102030405060708", "0101220A0102030405060708")]
    [InlineData("0102030405", "0122070102030405")]
    [InlineData("000102030405060708090A0B0C0D0E0F", "0101221200")]
    public void Emit_Cookie_PadsToFourOctetsAndRoundTrips(string cookieHex, string expectedStart)
    {
        var repr = Syn with { FastOpenCookie = Cookie(cookieHex), PayloadLength = 3 };
        var buffer = new byte[repr.BufferLength];
        repr.Emit(buffer, "abc"u8, Client, Server);
        Assert.StartsWith(expectedStart, Convert.ToHexString(buffer.AsSpan(40)));
        Assert.Equal(0, repr.HeaderLength % 4);
        Assert.True(repr.HeaderLength <= TcpSegment.MaxHeaderLength);
        Assert.True(Parse(buffer, out var back, out _));
        Assert.Equal(repr, back);
        Assert.Equal(cookieHex, back.FastOpenCookie!.Value.ToString(), ignoreCase: true);
        Assert.Equal("abc"u8.ToArray(), buffer.AsSpan(repr.HeaderLength).ToArray());
    }

    [Theory]
    [InlineData(3)]   // cookie of 1 octet
    [InlineData(5)]   // 3 octets
    [InlineData(19)]  // 17 octets
    public void Parse_CookieOfIllegalLength_DroppedAsBadOption(int optionLength)
    {
        // A bare header with room for the option, the length octet says optionLength.
        int optionsRoom = (optionLength + 3) & ~3;
        var repr = new TcpRepr { SourcePort = 1, DestinationPort = 2, Control = TcpControl.Syn, SeqNumber = new SeqNumber(7), MaxSegmentSize = 1460 };
        var buffer = new byte[repr.HeaderLength + optionsRoom];
        repr.Emit(buffer, Client, Server);
        buffer[12] = (byte)(((repr.HeaderLength + optionsRoom) / 4) << 4);
        buffer[24] = 34;
        buffer[25] = (byte)optionLength;
        for (int i = 26 + optionLength - 2; i < buffer.Length; i++)
            buffer[i] = 1;
        Assert.True(TcpSegment.TryParse(buffer, out var segment, out _));
        Assert.False(TcpRepr.TryParse(segment, Client, Server, verifyChecksum: false, out _, out var reason));
        Assert.Equal(WireError.BadTcpOption, reason);
    }

    [Fact]
    public void TryCreate_LengthsOutsideZeroOrFourToSixteen_AreRefused()
    {
        Assert.True(TcpFastOpenCookie.TryCreate([], out var empty));
        Assert.True(empty.IsRequest);
        Assert.False(TcpFastOpenCookie.TryCreate(new byte[3], out _));
        Assert.False(TcpFastOpenCookie.TryCreate(new byte[17], out _));
        Assert.True(TcpFastOpenCookie.TryCreate(new byte[16], out var full));
        Assert.Equal(16, full.Length);
    }
}
