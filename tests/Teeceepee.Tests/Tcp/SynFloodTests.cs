using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>Issue 13 item 3: SYNs on a cheap path: a token-bucket rate limit, SYN cookies without allocation, established flows untouched.</summary>
public class SynFloodTests
{
    private static readonly IPv4Address Local = new(198, 18, 0, 2);
    private static readonly IPv4Address Flooder = new(198, 18, 0, 66);
    private static readonly byte[] Key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    private static TcpHost NewHost(TcpConfig config) =>
        new(config, new IsnGenerator(Key), new EphemeralPortAllocator(Key), new SynCookies(Key));

    private static TcpRepr Syn(ushort port) => new()
    {
        SourcePort = port,
        DestinationPort = 80,
        Control = TcpControl.Syn,
        SeqNumber = new SeqNumber(1000u + port),
        WindowLength = 65535,
        MaxSegmentSize = 1460,
    };

    private static int Dispatch(TcpHost host, Instant now, byte[] buffer, TcpControl? expect = null)
    {
        int count = 0;
        while (host.TryDispatch(now, buffer, out var o))
        {
            // No assertion inside the loop: xUnit's comparers allocate, and one test measures allocations.
            if (expect is not { } control || o.Segment.Control == control)
                count++;
        }
        return count;
    }

    [Fact]
    public void SynsPastTheRateLimit_AreDroppedUnanswered_AndCounted_TheBucketRefills()
    {
        var host = NewHost(TcpConfig.Default with { SynRateLimit = 1000, SynRateBurst = 10, SynBacklog = 100_000, Backlog = 100_000 });
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var buffer = new byte[65536];
        var now = Instant.FromMilliseconds(1000);
        for (ushort port = 1; port <= 500; port++)
            host.Process(now, Flooder, Local, Syn(port), []);
        Assert.Equal(10, Dispatch(host, now, buffer, TcpControl.Syn));
        Assert.Equal(490, host.Drops[TcpDropReason.SynRateLimited]);
        Assert.Equal(490, listener.SynsDropped);
        Assert.Equal(10, listener.SynQueueLength);

        // 5 ms later: 5 tokens at 1000/s.
        now += TimeSpan.FromMilliseconds(5);
        for (ushort port = 501; port <= 600; port++)
            host.Process(now, Flooder, Local, Syn(port), []);
        Assert.Equal(5, Dispatch(host, now, buffer, TcpControl.Syn));
        Assert.Equal(585, host.Drops[TcpDropReason.SynRateLimited]);
    }

    [Fact]
    public void SynRateLimit_LeavesEstablishedConnectionsAlone()
    {
        var host = NewHost(TcpConfig.Default with { SynRateLimit = 1, SynRateBurst = 1 });
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var buffer = new byte[65536];
        var now = Instant.FromMilliseconds(1000);
        host.Process(now, Flooder, Local, Syn(40000), []);
        host.TryDispatch(now, buffer, out var synAck);
        var ack = new TcpRepr { SourcePort = 40000, DestinationPort = 80, SeqNumber = new SeqNumber(41001), AckNumber = synAck.Segment.SeqNumber + 1, WindowLength = 65535 };
        host.Process(now, Flooder, Local, ack, []);
        Assert.True(listener.TryAccept(out var tcb));

        for (ushort port = 1; port <= 100; port++)
            host.Process(now, Flooder, Local, Syn(port), []);
        Assert.Equal(0, Dispatch(host, now, buffer));
        host.Process(now, Flooder, Local, ack with { PayloadLength = 5, Push = true }, "hello"u8);
        var read = new byte[16];
        Assert.Equal(5, tcb.Receive(read));
        Assert.Equal("hello"u8.ToArray(), read[..5]);
        Assert.Equal(100, host.Drops[TcpDropReason.SynRateLimited]);
    }

    [Fact]
    public void SynQueueFull_CookiePath_AllocatesNothing_NoTcbNoTableEntry()
    {
        var host = NewHost(TcpConfig.Default with { SynBacklog = 1 });
        var listener = host.Listen(new TcpEndpoint(Local, 80));
        var buffer = new byte[65536];
        var now = Instant.FromMilliseconds(1000);
        host.Process(now, Flooder, Local, Syn(1), []);
        Dispatch(host, now, buffer);
        // Warm-up: JIT and the control queue's array.
        for (ushort port = 2; port < 2000; port++)
            host.Process(now, Flooder, Local, Syn(port), []);
        Dispatch(host, now, buffer);

        // Measured over two passes of 5,000 SYNs: a tier-up of the JIT may land in the first (once, and only under
        // load); an allocation per SYN shows in both.
        var allocatedPerPass = new long[2];
        int answered = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int round = 0; round < 5; round++)
            {
                int first = 10_000 + (pass * 5 + round) * 1000;
                for (int i = 0; i < 1000; i++)
                    host.Process(now, Flooder, Local, Syn((ushort)(first + i)), []);
                answered += Dispatch(host, now, buffer, TcpControl.Syn);
            }
            allocatedPerPass[pass] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(10_000, answered);
        Assert.True(allocatedPerPass.Min() == 0, $"allocated {allocatedPerPass[0]} B and {allocatedPerPass[1]} B for 5,000 SYNs each");
        Assert.Equal(1, host.ConnectionCount);
        Assert.Equal(1, listener.SynQueueLength);
        Assert.Equal(11_998, listener.SynCookiesSent);
    }
}
