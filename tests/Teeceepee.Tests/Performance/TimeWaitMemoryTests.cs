using Teeceepee.Tcp;
using Teeceepee.Wire;
using Xunit.Abstractions;

namespace Teeceepee.Tests.Performance;

/// <summary>
/// Issue 13 item 1: TIME-WAIT memory is a compact record per connection and stays flat at a high close rate
/// (100,000 closes on virtual time, the host closing first as bench-server's port 5004 does).
/// </summary>
[Collection(MeasurementCollection.Name)]
public class TimeWaitMemoryTests(ITestOutputHelper output)
{
    private static readonly IPv4Address Local = new(198, 18, 0, 2);
    private const int Closes = 100_000;

    [Fact]
    public void HundredThousandClosesAtTenThousandPerSecond_HeapStaysFlat_RecordsExpire()
    {
        // 2×MSL = 2 s at 10,000 closes/s: about 20,000 records live at any time.
        var run = new CloseLoop(TcpConfig.Default with { Msl = TimeSpan.FromSeconds(1) });
        run.Close(Closes / 5);
        long warm = Settle();
        run.Close(Closes * 4 / 5);
        long after = Settle();
        output.WriteLine($"after {Closes / 5} closes {warm} B, after {Closes} closes {after} B; {run.Host.TimeWaitCount} records, timer heap {run.Host.TimerHeapCount}");
        Assert.InRange(run.Host.TimeWaitCount, 19_000, 21_000);
        Assert.Equal(run.Host.TimeWaitCount, run.Host.ConnectionCount);
        Assert.True(run.Host.TimerHeapCount < 1_000, $"{run.Host.TimerHeapCount} timer heap entries");
        Assert.True(after - warm < 2 * 1024 * 1024, $"heap grew {after - warm} B over 80,000 closes");
    }

    [Fact]
    public void HundredThousandRecordsAlive_EachCostsAtMost128Bytes()
    {
        var run = new CloseLoop(TcpConfig.Default with { Msl = TimeSpan.FromSeconds(60) });
        run.Close(1_000);
        long baseline = Settle();
        run.Close(Closes);
        long after = Settle();
        double perRecord = (double)(after - baseline) / Closes;
        output.WriteLine($"{run.Host.TimeWaitCount} records: {after - baseline} B more, {perRecord:F0} B per record (table arrays {run.Host.TimeWaitTableBytes} B)");
        Assert.Equal(Closes + 1_000, run.Host.TimeWaitCount);
        Assert.True(perRecord <= 128, $"{perRecord:F0} B per TIME-WAIT record");
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Peers connect to port 5004, the host closes first, the peer's ACK + FIN puts the host's end in TIME-WAIT.</summary>
    private sealed class CloseLoop
    {
        private static readonly TimeSpan Interval = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 10_000);
        private readonly TcpListenerQueue _listener;
        private readonly byte[] _buffer = new byte[65536];
        private Instant _now = Instant.FromMilliseconds(1);
        private int _next;

        public CloseLoop(TcpConfig config)
        {
            Host = new TcpHost(config);
            _listener = Host.Listen(new TcpEndpoint(Local, 5004));
        }

        public TcpHost Host { get; }

        public void Close(int count)
        {
            for (int i = 0; i < count; i++, _next++)
            {
                var remote = new IPv4Address(198, 19, (byte)(_next / 60000 % 256), (byte)(_next / 60000 / 256 + 1));
                ushort port = (ushort)(1024 + _next % 60000);
                var syn = new TcpRepr
                {
                    SourcePort = port, DestinationPort = 5004, Control = TcpControl.Syn, SeqNumber = new SeqNumber(1000),
                    WindowLength = 65535, MaxSegmentSize = 1460, Timestamp = new TcpTimestamp(1, 0), SackPermitted = true, WindowScale = 7,
                };
                Host.Process(_now, remote, Local, syn, []);
                Assert.True(Host.TryDispatch(_now, _buffer, out var synAck));
                var ack = new TcpRepr
                {
                    SourcePort = port, DestinationPort = 5004, SeqNumber = new SeqNumber(1001), AckNumber = synAck.Segment.SeqNumber + 1,
                    WindowLength = 512, Timestamp = new TcpTimestamp(2, synAck.Segment.Timestamp!.Value.Value),
                };
                Host.Process(_now, remote, Local, ack, []);
                Assert.True(_listener.TryAccept(out var tcb));
                tcb.Close();
                Assert.True(Host.TryDispatch(_now, _buffer, out var fin));
                Host.Process(_now, remote, Local, ack with { Control = TcpControl.Fin, AckNumber = fin.Segment.SeqNumber + 1 }, []);
                while (Host.TryDispatch(_now, _buffer, out _))
                {
                }
                _now += Interval;
            }
        }
    }
}
