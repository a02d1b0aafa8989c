using Teeceepee.Links;

namespace Teeceepee.Tests.Links;

public class TracerTests
{
    [Fact]
    public void Frames_OneLinePerFrameWithDirectionAndDecodedFields()
    {
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var far = b;
        var text = new StringWriter { NewLine = "\n" };
        using var tracer = new Tracer(a, text, "tap0");
        tracer.TrySend(Instant.FromMilliseconds(1000), TestFrames.TcpSynAck());
        far.TrySend(Instant.Zero, TestFrames.ArpRequest([0x02, 0, 0, 0, 0, 9], [198, 18, 0, 1], [198, 18, 0, 2]));
        Assert.True(tracer.TryReceive(Instant.FromMilliseconds(1250), new byte[1514], out _));
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("    0.000000 tap0 -> 02:00:00:00:00:01 > 52:54:00:12:34:56, IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [S.], seq 1000, ack 2001, win 65535, length 0", lines[0]);
        Assert.Equal("    0.250000 tap0 <- 02:00:00:00:00:09 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 198.18.0.2 tell 198.18.0.1", lines[1]);
    }

    [Fact]
    public void IPv6Frames_TcpSegmentAndIcmpv6Echo_OneTcpdumpLikeLineEach()
    {
        // From "IP6" on, what tcpdump -nn prints for the same two frames (checked against tcpdump 4.99).
        var (a, b) = MemoryLink.CreatePair(withReadinessFd: false);
        using var far = b;
        var text = new StringWriter { NewLine = "\n" };
        using var tracer = new Tracer(a, text, "tap0");
        tracer.TrySend(Instant.FromMilliseconds(1000), TestFrames.TcpSynAckIPv6());
        far.TrySend(Instant.Zero, TestFrames.Icmpv6EchoRequest(7, 1, 56));
        Assert.True(tracer.TryReceive(Instant.FromMilliseconds(1250), new byte[1514], out _));
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("    0.000000 tap0 -> 02:00:00:00:00:01 > 52:54:00:12:34:56, IP6 fd00::2.40000 > fd00::1.80: Flags [S.], seq 1000, ack 2001, win 65535, length 0", lines[0]);
        Assert.Equal("    0.250000 tap0 <- 52:54:00:12:34:56 > 02:00:00:00:00:01, IP6 fd00::1 > fd00::2: ICMP6, echo request, id 7, seq 1, length 64", lines[1]);
    }

    [Fact]
    public void IpMedium_DecodesBareIPv6()
    {
        Assert.Equal("IP6 fd00::1 > fd00::2: ICMP6, echo request, id 7, seq 1, length 64",
            Tracer.Describe(TestFrames.Icmpv6EchoRequest(7, 1, 56).AsSpan(14), LinkMedium.IP));
        Assert.Equal("IP6 fd00::2.40000 > fd00::1.80: Flags [S.], seq 1000, ack 2001, win 65535, length 0",
            Tracer.Describe(TestFrames.TcpSynAckIPv6().AsSpan(14), LinkMedium.IP));
    }

    [Fact]
    public void DroppedSend_IsMarked()
    {
        var (a, b) = MemoryLink.CreatePair(queueCapacity: 1, withReadinessFd: false);
        using var far = b;
        var text = new StringWriter { NewLine = "\n" };
        using var tracer = new Tracer(a, text);
        Assert.True(tracer.TrySend(Instant.Zero, TestFrames.Numbered(1)));
        Assert.False(tracer.TrySend(Instant.Zero, TestFrames.Numbered(2)));
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("ethertype 0x88b5, length 50", lines[0]);
        Assert.EndsWith("ethertype 0x88b5, length 50 (dropped by link)", lines[1]);
    }

    [Fact]
    public void IpMedium_DecodesBareIpv4()
    {
        var ip = TestFrames.TcpSynAck().AsSpan(14);
        Assert.Equal("IP 198.18.0.2.40000 > 198.18.0.1.80: Flags [S.], seq 1000, ack 2001, win 65535, length 0",
            Tracer.Describe(ip, LinkMedium.IP));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(20)]
    [InlineData(35)]
    [InlineData(40)]
    public void TruncatedFrames_DescribeWithoutThrowing(int length)
    {
        var frame = TestFrames.TcpSynAck().AsSpan(0, length);
        Assert.False(string.IsNullOrEmpty(Tracer.Describe(frame, LinkMedium.Ethernet)));
        Assert.False(string.IsNullOrEmpty(Tracer.Describe(frame, LinkMedium.IP)));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var random = new Random(1);
        var frame = new byte[80];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(frame);
            int length = random.Next(frame.Length + 1);
            if (i % 3 == 0)
            {
                frame[12] = 0x08;
                frame[13] = (byte)(i % 2 == 0 ? 0x00 : 0x06);
                frame[14] = (byte)(0x40 | random.Next(16));
            }
            Tracer.Describe(frame.AsSpan(0, length), LinkMedium.Ethernet);
            Tracer.Describe(frame.AsSpan(0, length), LinkMedium.IP);
        }
    }
}
