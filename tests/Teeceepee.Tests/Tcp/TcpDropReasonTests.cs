using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Tcp;

/// <summary>TCP drops are counted by <see cref="TcpDropReason"/> on the host (the stack's Stats.TcpDrops) and traced.</summary>
public class TcpDropReasonTests
{
    private static readonly IPv4Address Local = TcbHarness.LocalAddress;
    private static readonly IPv4Address Remote = TcbHarness.RemoteAddress;
    private static readonly byte[] Key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    private static (TcpHost Host, SeqNumber Iss, List<string> Trace) Established()
    {
        var trace = new List<string>();
        var host = new TcpHost(TcbHarness.DefaultConfig, new IsnGenerator(Key), new EphemeralPortAllocator(Key), new SynCookies(Key))
        {
            Trace = new ListTrace(trace),
        };
        host.Listen(new TcpEndpoint(Local, TcbHarness.LocalPort));
        host.Process(Instant.Zero, Remote, Local, TcbHarness.Syn, []);
        var buffer = new byte[65536];
        Assert.True(host.TryDispatch(Instant.Zero, buffer, out var synAck));
        var iss = synAck.Segment.SeqNumber;
        host.Process(Instant.Zero, Remote, Local, TcbHarness.In with { AckNumber = iss + 1 }, []);
        return (host, iss, trace);
    }

    [Fact]
    public void Established_SegmentOutsideWindow_CountedAsOutOfWindowAndTraced()
    {
        var (host, iss, trace) = Established();
        host.Process(Instant.FromMilliseconds(1), Remote, Local,
            TcbHarness.In with { SeqNumber = TcbHarness.RemoteIsn + 1_000_000, AckNumber = iss + 1, PayloadLength = 1 }, [7]);
        Assert.Equal(1, host.Drops[TcpDropReason.OutOfWindow]);
        Assert.Equal(1, host.Drops.Total);
        Assert.Contains("drop: OutOfWindow", trace);
    }

    [Fact]
    public void Established_AckOfUnsentData_CountedByItsReason()
    {
        var (host, iss, _) = Established();
        host.Process(Instant.FromMilliseconds(1), Remote, Local, TcbHarness.In with { AckNumber = iss + 5000 }, []);
        Assert.Equal(1, host.Drops[TcpDropReason.AckOfUnsentData]);
        Assert.Equal("AckOfUnsentData=1", host.Drops.ToString());
    }

    [Fact]
    public void ClosedPort_Rst_CountedAsResetToClosedPort()
    {
        var (host, _, trace) = Established();
        host.Process(Instant.Zero, Remote, Local, TcbHarness.In with { DestinationPort = 81, Control = TcpControl.Rst }, []);
        Assert.Equal(1, host.Drops[TcpDropReason.ResetToClosedPort]);
        Assert.Contains("drop: ResetToClosedPort", trace);
    }

    [Fact]
    public void Established_HolesPastTheRangeLimit_TextDroppedAsOutOfOrderQueueFullAndTraced()
    {
        // 64,000-octet buffer: 62 out-of-order ranges (one per KiB). 62 one-octet segments each past a one-octet hole fill
        // the table; the 63rd would open one more range: its text is dropped and counted, the held ones stay.
        var (host, iss, trace) = Established();
        int limit = new ReceiveBuffer(TcbHarness.BufferSize).OutOfOrderRangeLimit;
        Assert.Equal(62, limit);
        for (int k = 1; k <= limit + 1; k++)
        {
            host.Process(Instant.FromMilliseconds(k), Remote, Local,
                TcbHarness.In with { SeqNumber = TcbHarness.RemoteIsn + 1 + (2 * k), AckNumber = iss + 1, PayloadLength = 1 }, [(byte)k]);
        }
        Assert.Equal(1, host.Drops[TcpDropReason.OutOfOrderQueueFull]);
        Assert.Equal(1, host.Drops.Total);
        Assert.Contains("drop: OutOfOrderQueueFull", trace);
    }

    private sealed class ListTrace(List<string> lines) : ITcpTraceSink
    {
        public void Trace(Tcb tcb, string message) => lines.Add(message);

        public void TraceHost(string message) => lines.Add(message);
    }
}
