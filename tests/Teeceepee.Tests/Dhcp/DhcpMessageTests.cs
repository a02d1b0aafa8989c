using Teeceepee.Dhcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Dhcp;

public class DhcpMessageTests
{
    private static readonly MacAddress s_mac = MacAddress.Parse("02:00:5e:00:53:01");
    private static IPv4Address A(string s) => IPv4Address.Parse(s);

    private static DhcpMessage Ack => new()
    {
        IsReply = true,
        TransactionId = 0xDEADBEEF,
        YourAddress = A("198.18.0.100"),
        ClientHardwareAddress = s_mac,
        MessageType = DhcpMessageType.Ack,
        SubnetMask = A("255.255.255.0"),
        Routers = [A("198.18.0.1"), A("198.18.0.254")],
        DnsServers = [A("198.18.0.1")],
        LeaseTime = 120,
        RenewalTime = 60,
        RebindingTime = 105,
        ServerIdentifier = A("198.18.0.1"),
        InterfaceMtu = 1400,
        HostName = "stack",
    };

    [Fact]
    public void Ack_RoundTrips()
    {
        var bytes = Ack.ToArray();
        Assert.Equal(Ack.BufferLength, bytes.Length);
        Assert.True(bytes.Length >= DhcpMessage.MinimumLength);
        Assert.True(DhcpMessage.TryParse(bytes, out var parsed, out var reason), reason.ToString());
        Assert.True(parsed.IsReply);
        Assert.Equal(0xDEADBEEFu, parsed.TransactionId);
        Assert.Equal(A("198.18.0.100"), parsed.YourAddress);
        Assert.Equal(s_mac, parsed.ClientHardwareAddress);
        Assert.Equal(DhcpMessageType.Ack, parsed.MessageType);
        Assert.Equal(A("255.255.255.0"), parsed.SubnetMask);
        Assert.Equal([A("198.18.0.1"), A("198.18.0.254")], parsed.Routers);
        Assert.Equal([A("198.18.0.1")], parsed.DnsServers);
        Assert.Equal(120u, parsed.LeaseTime);
        Assert.Equal(60u, parsed.RenewalTime);
        Assert.Equal(105u, parsed.RebindingTime);
        Assert.Equal(A("198.18.0.1"), parsed.ServerIdentifier);
        Assert.Equal((ushort)1400, parsed.InterfaceMtu);
        Assert.Equal("stack", parsed.HostName);
    }

    [Fact]
    public void Construct_Discover_HasBootpHeaderCookieAndOptions()
    {
        var discover = new DhcpMessage
        {
            TransactionId = 0x01020304,
            Broadcast = true,
            ClientHardwareAddress = s_mac,
            MessageType = DhcpMessageType.Discover,
            ClientIdentifier = [1, 2, 0, 0x5e, 0, 0x53, 1],
            ParameterRequestList = [1, 3, 6],
        };
        var bytes = discover.ToArray();
        Assert.Equal(new byte[] { 1, 1, 6, 0, 1, 2, 3, 4, 0, 0, 0x80, 0 }, bytes[..12]);
        Assert.Equal(new byte[] { 2, 0, 0x5e, 0, 0x53, 1 }, bytes[28..34]);
        Assert.Equal(new byte[] { 99, 130, 83, 99 }, bytes[236..240]);
        Assert.Equal(new byte[] { 53, 1, 1, 61, 7, 1, 2, 0, 0x5e, 0, 0x53, 1, 55, 3, 1, 3, 6, 255 }, bytes[240..258]);
        Assert.All(bytes[258..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void PadsAndUnknownOptions_AreSkipped_FirstOccurrenceWins()
    {
        var bytes = Ack.ToArray();
        // Rewrite the options: pad, unknown 200 (3 octets), type OFFER, a second type ACK (ignored), end.
        byte[] options = [0, 0, 200, 3, 9, 9, 9, 53, 1, 2, 53, 1, 5, 255];
        Array.Clear(bytes, 240, bytes.Length - 240);
        options.CopyTo(bytes, 240);
        Assert.True(DhcpMessage.TryParse(bytes, out var parsed, out _));
        Assert.Equal(DhcpMessageType.Offer, parsed.MessageType);
        Assert.Null(parsed.LeaseTime);
    }

    [Fact]
    public void Truncated_ReturnsTruncatedHeader()
    {
        Assert.False(DhcpMessage.TryParse(Ack.ToArray().AsSpan(0, 239), out _, out var reason));
        Assert.Equal(DhcpError.TruncatedHeader, reason);
    }

    [Fact]
    public void BadOp_ReturnsBadOperation()
    {
        var bytes = Ack.ToArray();
        bytes[0] = 3;
        Assert.False(DhcpMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DhcpError.BadOperation, reason);
    }

    [Theory]
    [InlineData(1, 6)]  // htype 6 (IEEE 802)
    [InlineData(2, 16)] // hlen 16
    public void NotEthernet_ReturnsUnsupportedHardware(int offset, byte value)
    {
        var bytes = Ack.ToArray();
        bytes[offset] = value;
        Assert.False(DhcpMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DhcpError.UnsupportedHardware, reason);
    }

    [Fact]
    public void WrongCookie_ReturnsBadMagicCookie()
    {
        var bytes = Ack.ToArray();
        bytes[239] = 0;
        Assert.False(DhcpMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DhcpError.BadMagicCookie, reason);
    }

    [Fact]
    public void OptionPastTheEnd_ReturnsTruncatedOption()
    {
        var bytes = Ack.ToArray().AsSpan(0, 244).ToArray();
        bytes[240] = 53;
        bytes[241] = 1;
        bytes[242] = 5;
        bytes[243] = 51; // lease time with no length octet
        Assert.False(DhcpMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DhcpError.TruncatedOption, reason);
    }

    [Theory]
    [InlineData(1, 3)]   // subnet mask of 3 octets
    [InlineData(3, 6)]   // routers not a multiple of 4
    [InlineData(51, 2)]  // lease time of 2 octets
    [InlineData(53, 2)]  // message type of 2 octets
    public void WrongOptionLength_ReturnsBadOptionLength(byte code, byte length)
    {
        var bytes = new byte[300];
        Ack.ToArray().AsSpan(0, 240).CopyTo(bytes);
        bytes[240] = code;
        bytes[241] = length;
        bytes[242 + length] = 255;
        Assert.False(DhcpMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DhcpError.BadOptionLength, reason);
    }

    [Fact]
    public void PlainBootp_ReturnsMissingMessageType()
    {
        var bytes = new byte[300];
        Ack.ToArray().AsSpan(0, 240).CopyTo(bytes);
        bytes[240] = 255;
        Assert.False(DhcpMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DhcpError.MissingMessageType, reason);
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(7);
        var template = Ack.ToArray();
        var buffer = new byte[400];
        int parsed = 0;
        for (int i = 0; i < 100_000; i++)
        {
            template.CopyTo(buffer, 0);
            random.NextBytes(buffer.AsSpan(240 + random.Next(40)));
            if (DhcpMessage.TryParse(buffer.AsSpan(0, 240 + random.Next(160)), out _, out var reason))
                parsed++;
            else
                Assert.NotEqual(DhcpError.None, reason);
        }
        Assert.InRange(parsed, 1, 99_999);
    }
}
