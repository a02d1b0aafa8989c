using Teeceepee.Dns;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Dns;

public class DnsMessageTests
{
    // A response for web.test A as dnsmasq sends it: the answer's name is a pointer to the question (0xC00C).
    private static readonly byte[] s_compressedResponse =
    [
        0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x03, (byte)'w', (byte)'w', (byte)'w', 0x04, (byte)'w', (byte)'e', (byte)'b', (byte)'x', 0x04, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0x00,
        0x00, 0x01, 0x00, 0x01,
        // www.webx.test CNAME webx.test (target: pointer to offset 16, "webx.test")
        0xC0, 0x0C, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x02, 0xC0, 0x10,
        // webx.test A 198.18.0.1
        0xC0, 0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x04, 198, 18, 0, 1,
    ];

    [Fact]
    public void Deconstruct_CompressedResponse_FollowsPointers()
    {
        Assert.True(DnsMessage.TryParse(s_compressedResponse, out var message, out var reason), reason.ToString());
        Assert.Equal(0x1234, message.Id);
        Assert.True(message.IsResponse);
        Assert.True(message.RecursionDesired);
        Assert.True(message.RecursionAvailable);
        Assert.False(message.Truncated);
        Assert.Equal(DnsResponseCode.NoError, message.ResponseCode);
        Assert.Equal(new DnsQuestion("www.webx.test", DnsRecordType.A), Assert.Single(message.Questions));
        Assert.Equal(2, message.Answers.Count);
        Assert.Equal(DnsRecord.ForAlias("www.webx.test", "webx.test", 60), message.Answers[0]);
        Assert.Equal(DnsRecord.ForAddress("webx.test", IPv4Address.Parse("198.18.0.1"), 300), message.Answers[1]);
    }

    [Fact]
    public void Construct_Query_MatchesGoldenBytes()
    {
        var query = DnsMessage.Query(0xBEEF, "web.test");
        byte[] expected =
        [
            0xBE, 0xEF, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x03, (byte)'w', (byte)'e', (byte)'b', 0x04, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0x00, 0x00, 0x01, 0x00, 0x01,
        ];
        Assert.Equal(expected, query.ToArray());
    }

    [Fact]
    public void Response_RoundTrips()
    {
        var response = new DnsMessage
        {
            Id = 7,
            IsResponse = true,
            AuthoritativeAnswer = true,
            Truncated = true,
            RecursionDesired = true,
            ResponseCode = DnsResponseCode.ServerFailure,
            Questions = [new DnsQuestion("a.example.", DnsRecordType.A)],
            Answers = [DnsRecord.ForAlias("a.example", "b.example", 5), DnsRecord.ForAddress("b.example", IPv4Address.Parse("198.18.1.2"), 10)],
        };
        Assert.True(DnsMessage.TryParse(response.ToArray(), out var parsed, out _));
        Assert.Equal(7, parsed.Id);
        Assert.True(parsed.AuthoritativeAnswer);
        Assert.True(parsed.Truncated);
        Assert.Equal(DnsResponseCode.ServerFailure, parsed.ResponseCode);
        Assert.Equal("a.example", parsed.Questions[0].Name);
        Assert.Equal(response.Answers, parsed.Answers);
    }

    [Fact]
    public void UnknownRecordTypes_AreSkipped()
    {
        var bytes = new List<byte>(DnsMessage.Query(1, "x.test").ToArray());
        bytes[2] = 0x81;
        bytes[7] = 2; // two answers
        // x.test TXT (16 octets of RDATA), then x.test A.
        bytes.AddRange([0xC0, 0x0C, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 10, 0x00, 0x10]);
        bytes.AddRange(new byte[16]);
        bytes.AddRange([0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 10, 0x00, 0x04, 198, 18, 0, 9]);
        Assert.True(DnsMessage.TryParse(bytes.ToArray(), out var message, out _));
        Assert.Equal(2, message.AnswerCount);
        var a = Assert.Single(message.Answers);
        Assert.Equal(IPv4Address.Parse("198.18.0.9"), a.Address);
    }

    [Fact]
    public void AaaaRecord_Deconstructs()
    {
        var bytes = new List<byte>(DnsMessage.Query(1, "x.test", DnsRecordType.AAAA).ToArray());
        bytes[2] = 0x81;
        bytes[7] = 1;
        // RFC 3596 §2.2: x.test AAAA 2001:db8::1 (16 octets, network order), compressed owner name.
        bytes.AddRange([0xC0, 0x0C, 0x00, 0x1C, 0x00, 0x01, 0, 0, 0, 30, 0x00, 0x10]);
        bytes.AddRange([0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        Assert.True(DnsMessage.TryParse(bytes.ToArray(), out var message, out _));
        var record = Assert.Single(message.Answers);
        Assert.Equal(DnsRecordType.AAAA, record.Type);
        Assert.Equal(IPv6Address.Parse("2001:db8::1"), record.AddressV6);
        Assert.Equal(NetAddress.Parse("2001:db8::1"), record.HostAddress);
        Assert.Equal(30u, record.TimeToLive);
        Assert.Equal(DnsRecordType.AAAA, message.Questions[0].Type);
    }

    [Fact]
    public void AaaaRecord_RoundTrips()
    {
        var response = DnsMessage.Query(7, "dual.test", DnsRecordType.AAAA) with
        {
            IsResponse = true,
            Answers = [DnsRecord.ForAddress("dual.test", IPv6Address.Parse("fd00:1::5"), 60), DnsRecord.ForAddress("dual.test", IPv4Address.Parse("198.18.0.5"), 60)],
        };
        var bytes = response.ToArray();
        Assert.Equal(12 + (11 + 4) + (11 + 10 + 16) + (11 + 10 + 4), bytes.Length);
        Assert.True(DnsMessage.TryParse(bytes, out var parsed, out _));
        Assert.Equal(IPv6Address.Parse("fd00:1::5"), parsed.Answers[0].AddressV6);
        Assert.Equal(IPv4Address.Parse("198.18.0.5"), parsed.Answers[1].Address);
        Assert.Equal(bytes, parsed.ToArray());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(15)]
    [InlineData(17)]
    public void AaaaRecord_WrongLength_IsBadRecordLength(int length)
    {
        var bytes = new List<byte>(DnsMessage.Query(1, "x.test", DnsRecordType.AAAA).ToArray());
        bytes[2] = 0x81;
        bytes[7] = 1;
        bytes.AddRange([0xC0, 0x0C, 0x00, 0x1C, 0x00, 0x01, 0, 0, 0, 30, 0x00, (byte)length]);
        bytes.AddRange(new byte[length]);
        Assert.False(DnsMessage.TryParse(bytes.ToArray(), out _, out var reason));
        Assert.Equal(DnsError.BadRecordLength, reason);
    }

    [Fact]
    public void TtlWithTopBitSet_ReadsAsZero()
    {
        var bytes = (byte[])s_compressedResponse.Clone();
        bytes[^10] = 0x80; // the A record's TTL: 0x8000012C
        Assert.True(DnsMessage.TryParse(bytes, out var message, out _));
        Assert.Equal(0u, message.Answers[1].TimeToLive);
    }

    [Fact]
    public void Truncated_ReturnsTruncatedHeader()
    {
        Assert.False(DnsMessage.TryParse(s_compressedResponse.AsSpan(0, 11), out _, out var reason));
        Assert.Equal(DnsError.TruncatedHeader, reason);
    }

    [Theory]
    [InlineData(20)]  // inside the question name
    [InlineData(30)]  // inside the question's type/class
    [InlineData(40)]  // inside the first record's fixed part
    [InlineData(60)]  // inside the A record's RDATA
    public void TruncatedBody_IsRejected(int length)
    {
        Assert.False(DnsMessage.TryParse(s_compressedResponse.AsSpan(0, length), out _, out var reason));
        Assert.True(reason is DnsError.TruncatedRecord or DnsError.BadRecordLength, reason.ToString());
    }

    [Fact]
    public void ImpossibleCounts_AreRejectedBeforeParsing()
    {
        var bytes = (byte[])s_compressedResponse.Clone();
        bytes[6] = 0xFF; // ANCOUNT 65282
        Assert.False(DnsMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DnsError.TruncatedRecord, reason);
    }

    [Fact]
    public void ForwardPointer_ReturnsBadPointer()
    {
        // The question name is a pointer to itself.
        byte[] bytes = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0, 1, 0, 1];
        Assert.False(DnsMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DnsError.BadPointer, reason);
    }

    [Fact]
    public void PointerPastMessage_ReturnsBadPointer()
    {
        var bytes = (byte[])s_compressedResponse.Clone();
        bytes[31] = 0xFF; // the first answer's name points to offset 0x3FFF... (a forward pointer too)
        Assert.False(DnsMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DnsError.BadPointer, reason);
    }

    [Fact]
    public void PointerLoop_ReturnsPointerLoop()
    {
        // Question: label "a" at 12, then a pointer at 14 back to 12: a -> a -> a ...
        byte[] bytes = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 0x0C, 0, 1, 0, 1];
        Assert.False(DnsMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DnsError.PointerLoop, reason);
    }

    [Theory]
    [InlineData(0x40)]
    [InlineData(0x80)]
    public void ReservedLabelType_ReturnsBadLabelType(byte type)
    {
        byte[] bytes = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, type, (byte)'a', 0, 0, 1, 0, 1];
        Assert.False(DnsMessage.TryParse(bytes, out _, out var reason));
        Assert.Equal(DnsError.BadLabelType, reason);
    }

    [Fact]
    public void NameOver255Octets_ReturnsNameTooLong()
    {
        // Five labels of 63: 5 * 64 + 1 = 321 octets.
        var bytes = new List<byte> { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0 };
        for (int i = 0; i < 5; i++)
        {
            bytes.Add(63);
            bytes.AddRange(Enumerable.Repeat((byte)'x', 63));
        }
        bytes.AddRange([0, 0, 1, 0, 1]);
        Assert.False(DnsMessage.TryParse(bytes.ToArray(), out _, out var reason));
        Assert.Equal(DnsError.NameTooLong, reason);
    }

    [Fact]
    public void ARecordOfWrongLength_ReturnsBadRecordLength()
    {
        var bytes = new List<byte>(DnsMessage.Query(1, "x.test").ToArray());
        bytes[7] = 1;
        bytes.AddRange([0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 10, 0x00, 0x05, 198, 18, 0, 9, 0]);
        Assert.False(DnsMessage.TryParse(bytes.ToArray(), out _, out var reason));
        Assert.Equal(DnsError.BadRecordLength, reason);
    }

    [Fact]
    public void CnameTargetRunningPastRdata_ReturnsTruncatedRecord()
    {
        var bytes = new List<byte>(DnsMessage.Query(1, "x.test").ToArray());
        bytes[7] = 1;
        // RDLENGTH 2 but the target is a 3-octet label "ab" + root.
        bytes.AddRange([0xC0, 0x0C, 0x00, 0x05, 0x00, 0x01, 0, 0, 0, 10, 0x00, 0x02, 2, (byte)'a', (byte)'b', 0]);
        Assert.False(DnsMessage.TryParse(bytes.ToArray(), out _, out var reason));
        Assert.Equal(DnsError.TruncatedRecord, reason);
    }

    [Theory]
    [InlineData("a..b", DnsError.BadLabel)]
    [InlineData(".a", DnsError.BadLabel)]
    public void InvalidNames_CannotBeBuilt(string name, DnsError expected)
    {
        Assert.False(DnsName.TryGetWireLength(name, out _, out var reason));
        Assert.Equal(expected, reason);
        Assert.False(DnsMessage.Query(1, name).TryGetBufferLength(out _, out _));
    }

    [Fact]
    public void OversizedLabel_CannotBeBuilt()
    {
        Assert.False(DnsName.TryGetWireLength(new string('a', 64) + ".test", out _, out var reason));
        Assert.Equal(DnsError.BadLabel, reason);
        Assert.True(DnsName.IsValid(new string('a', 63) + ".test"));
    }

    [Fact]
    public void OversizedName_CannotBeBuilt()
    {
        string name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4)); // 4 * 64 + 1 = 257
        Assert.False(DnsName.TryGetWireLength(name, out _, out var reason));
        Assert.Equal(DnsError.NameTooLong, reason);
    }

    [Fact]
    public void Names_CompareCaseInsensitively_IgnoringTrailingDot()
    {
        Assert.True(DnsName.Equals("Web.TEST.", "web.test"));
        Assert.False(DnsName.Equals("web.test", "web.tes"));
        Assert.Equal("web.test", DnsName.Normalize("WEB.Test."));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(5);
        var buffer = new byte[80];
        int parsed = 0;
        for (int i = 0; i < 100_000; i++)
        {
            random.NextBytes(buffer);
            // Bias toward plausible headers so the body parsers run.
            buffer[4] = 0;
            buffer[5] = (byte)(i & 1);
            buffer[6] = 0;
            buffer[7] = (byte)(i % 3);
            if (DnsMessage.TryParse(buffer.AsSpan(0, random.Next(buffer.Length)), out var message, out var reason))
            {
                parsed++;
                Assert.NotNull(message.Questions);
            }
            else
            {
                Assert.NotEqual(DnsError.None, reason);
            }
        }
        Assert.InRange(parsed, 1, 99_999);
    }
}
