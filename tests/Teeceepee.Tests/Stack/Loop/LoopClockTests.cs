using Microsoft.Extensions.Time.Testing;
using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Stack.Loop;

/// <summary>
/// The loop's clock: <see cref="NetworkStack.Poll(TimeProvider)"/> (the real-time runner's way) stamps each frame with the
/// time it is read and each segment with the time it leaves, so a loaded loop (long polls) still measures the path's RTT;
/// <see cref="NetworkStack.Poll(Instant)"/> stamps a whole poll with its start. Virtual time throughout.
/// </summary>
public class LoopClockTests
{
    private static readonly IPv4Address s_a = IPv4Address.Parse("198.18.0.1");
    private static readonly IPv4Address s_b = IPv4Address.Parse("198.18.0.2");
    private static readonly TimeSpan s_oneWay = TimeSpan.FromMilliseconds(10);

    private sealed class Bed : IAsyncDisposable
    {
        public readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
        public readonly MemoryLink RawA;
        public readonly MemoryLink RawB;
        public readonly LoadedLink LinkA;
        public readonly NetworkStack A;
        public readonly NetworkStack B;

        public Bed(Func<int, TimeSpan> costOfReadAtA)
        {
            (RawA, RawB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, 1500), 65536, withReadinessFd: false);
            // Each side delays what it sends by the one-way delay: a 20 ms RTT path.
            var faultsA = new FaultInjector(RawA, outbound: new FaultOptions { Delay = s_oneWay }, seed: 1);
            var faultsB = new FaultInjector(RawB, outbound: new FaultOptions { Delay = s_oneWay }, seed: 2);
            LinkA = new LoadedLink(faultsA, Clock, costOfReadAtA);
            A = new NetworkStack(LinkA, new NetworkStackOptions { Address = s_a, Seed = 1, Name = "A", TimeProvider = Clock });
            B = new NetworkStack(faultsB, new NetworkStackOptions { Address = s_b, Seed = 2, Name = "B", TimeProvider = Clock });
            A.DriveManually();
            B.DriveManually();
        }

        public Instant Now => Instant.Now(Clock);

        /// <summary>Polls both stacks (A by its clock per frame or by the poll's start) for <paramref name="duration"/>.</summary>
        public void Run(TimeSpan duration, bool clockPerFrame, Action? step = null)
        {
            var end = Now + duration;
            while (Now < end)
            {
                step?.Invoke();
                if (clockPerFrame)
                    A.Poll(Clock);
                else
                    A.Poll(Now);
                B.Poll(Clock);
                step?.Invoke();
                if (RawA.PendingFrames > 0 || RawB.PendingFrames > 0)
                    continue;
                var next = Instant.Min(Instant.Min(A.PollAt(), B.PollAt()), end);
                if (next > Now)
                    Clock.Advance(next - Now);
            }
        }

        /// <summary>Puts <paramref name="count"/> frames on the wire towards A at once (junk A drops: only their read times matter).</summary>
        public void SendFramesToA(int count)
        {
            var frame = new byte[60];
            for (int i = 0; i < count; i++)
                Assert.True(RawB.TrySend(Now, frame));
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }

    [Fact]
    public async Task PollWithClock_ThreeFramesReadInOnePoll_EachStampedWhenRead()
    {
        await using var bed = new Bed(_ => TimeSpan.FromMilliseconds(1));
        bed.SendFramesToA(3);
        var start = bed.Now;
        bed.A.Poll(bed.Clock);

        // Each read is stamped 1 ms after the one before (the virtual clock's timestamp conversion rounds a little).
        var stamps = bed.LinkA.ReadStamps;
        Assert.Equal(3, stamps.Count);
        Assert.Equal(start.Ticks, stamps[0].Ticks, 100.0);
        Assert.Equal(TimeSpan.FromMilliseconds(1).Ticks, (stamps[1] - stamps[0]).Ticks, 100.0);
        Assert.Equal(TimeSpan.FromMilliseconds(1).Ticks, (stamps[2] - stamps[1]).Ticks, 100.0);
    }

    [Fact]
    public async Task PollWithInstant_ThreeFramesReadInOnePoll_AllStampedWithThePollsStart()
    {
        await using var bed = new Bed(_ => TimeSpan.FromMilliseconds(1));
        bed.SendFramesToA(3);
        var start = bed.Now;
        bed.A.Poll(start);

        Assert.Equal([start, start, start], bed.LinkA.ReadStamps);
    }

    private static async Task<(TimeSpan Min, int Count, long Bytes)> BulkRttSamples(bool clockPerFrame)
    {
        // A sends to B over a 20 ms RTT path; A's loop spends 2 µs per frame it reads and is preempted for 3 ms after
        // every 64th read (a loaded host, not a saturated one): ACKs that arrive meanwhile are read late in that poll,
        // while the data they acknowledge left in a short poll.
        await using var bed = new Bed(n => TimeSpan.FromMilliseconds(n % 64 == 5 ? 3 : 0.002));
        var samples = new List<TimeSpan>();
        bed.A.Tcp.RttSampled = (_, _, rtt) => samples.Add(rtt);
        bed.LinkA.BeforeRead = () => bed.B.Poll(bed.Clock); // B's ACKs keep arriving while A reads
        bed.A.Poll(bed.Clock);
        bed.B.Poll(bed.Clock);
        var listener = bed.B.Tcp.Listen(new TcpEndpoint(s_b, 5001));
        var sender = bed.A.Tcp.Connect(bed.Now, s_a, new TcpEndpoint(s_b, 5001));
        Tcb? receiver = null;
        var chunk = new byte[64 * 1024];
        long received = 0;
        bed.Run(TimeSpan.FromSeconds(3), clockPerFrame, () =>
        {
            if (receiver is null && listener.TryAccept(out var accepted))
                receiver = accepted;
            while (sender.Send(chunk) > 0)
            {
            }
            int n;
            while (receiver is not null && (n = receiver.Receive(chunk)) > 0)
                received += n;
        });
        return (samples.Count > 0 ? samples.Min() : TimeSpan.Zero, samples.Count, received);
    }

    // In this stack TCP sends at the end of a poll, so stamping a poll with its start dates a send earlier than an ACK read
    // in the same poll: the error mostly raises samples. The same bed driven by Poll(Instant) also gave a minimum of 20 ms,
    // so this test guards the clock-per-frame poll against regressions rather than reproducing session 4's low samples.
    [Fact]
    public async Task PollWithClock_LoadedLoop_RttSamplesNeverBelowThePath()
    {
        var (min, count, bytes) = await BulkRttSamples(clockPerFrame: true);
        Assert.True(count > 100, $"{count} RTT samples");
        Assert.True(bytes > 1_000_000, $"{bytes} bytes moved");
        Assert.True(min >= 2 * s_oneWay, $"min RTT sample {min.TotalMilliseconds} ms on a {2 * s_oneWay.TotalMilliseconds} ms path");
    }
}
