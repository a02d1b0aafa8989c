using Teeceepee.Links;
using Teeceepee.Stack;
using Teeceepee.Tcp;
using Teeceepee.Wire;

namespace Teeceepee.Tests.Simulations; // not ".Simulation": Teeceepee.Tests.Stack.Simulation is a type other tests name unqualified

/// <summary>
/// Two <see cref="NetworkStack"/>s over a <see cref="MemoryLink"/> pair, each end wrapped in a
/// <see cref="FaultInjector"/> that damages what it sends (so both directions see the faults once),
/// driven on virtual time: no threads, no wall clock. Everything derives from one seed, so a run
/// replays exactly.
/// </summary>
internal sealed class SimNetwork : IAsyncDisposable
{
    public static readonly IPv4Address AddressA = IPv4Address.Parse("198.18.0.1");
    public static readonly IPv4Address AddressB = IPv4Address.Parse("198.18.0.2");

    /// <summary>Iterations at one instant after which the run counts as a livelock (something always wants "now").</summary>
    private const int MaxStepsPerInstant = 200_000;

    private readonly MemoryLink _rawA;
    private readonly MemoryLink _rawB;
    private readonly Queue<string>? _trace;
    private readonly int _traceLimit;
    private bool _pausedB;

    public SimNetwork(int seed, FaultOptions? faults = null, TcpConfig? tcp = null, int mtu = 1500,
        int queueCapacity = 4096, bool trace = false, int traceLimit = 400, bool traceFrames = false, bool recordFrames = false,
        bool segmentationOffload = false, Func<ILink, ILink>? decorateA = null)
    {
        Seed = seed;
        (_rawA, _rawB) = MemoryLink.CreatePair(new LinkCapabilities(LinkMedium.Ethernet, mtu), queueCapacity, withReadinessFd: false);
        var options = faults ?? FaultOptions.None;
        FaultsA = new FaultInjector(_rawA, inbound: null, outbound: options, seed: unchecked(seed * 7919 + 1));
        FaultsB = new FaultInjector(_rawB, inbound: null, outbound: options, seed: unchecked(seed * 7919 + 2));
        if (trace)
        {
            _trace = [];
            _traceLimit = traceLimit;
        }
        Action<string>? sink = trace ? Record : null;
        // With frame tracing, each stack sees its link through a Tracer: what it sent (before the faults) and what reached it.
        ILink linkA = traceFrames && trace ? new Tracer(FaultsA, new TraceLineWriter(Record), "A") : FaultsA;
        ILink linkB = traceFrames && trace ? new Tracer(FaultsB, new TraceLineWriter(Record), "B") : FaultsB;
        if (recordFrames)
        {
            linkA = RecorderA = new FrameRecorder(linkA);
            linkB = RecorderB = new FrameRecorder(linkB);
        }
        if (decorateA is not null)
            linkA = decorateA(linkA); // e.g. a SegmentDropper: sees A's wire frames before the faults
        if (segmentationOffload)
        {
            // TSO: each stack builds super-segments; they are cut into wire frames in software before the faults
            // (and before the recorder, which sees wire frames).
            linkA = new SoftwareOffloadLink(linkA);
            linkB = new SoftwareOffloadLink(linkB);
        }
        A = new NetworkStack(linkA, new NetworkStackOptions { Address = AddressA, Seed = unchecked(seed * 31 + 1), Name = "A", Trace = sink, Tcp = tcp });
        B = new NetworkStack(linkB, new NetworkStackOptions { Address = AddressB, Seed = unchecked(seed * 31 + 2), Name = "B", Trace = sink, Tcp = tcp });
        A.DriveManually();
        B.DriveManually();
    }

    public int Seed { get; }

    /// <summary>Every frame A's stack sent and received (with <c>recordFrames</c>), before A's faults on the way out.</summary>
    public FrameRecorder? RecorderA { get; }

    /// <summary>Every frame B's stack sent and received (with <c>recordFrames</c>).</summary>
    public FrameRecorder? RecorderB { get; }
    public NetworkStack A { get; }
    public NetworkStack B { get; }
    public FaultInjector FaultsA { get; }
    public FaultInjector FaultsB { get; }
    public TcpHost TcpA => A.Tcp;
    public TcpHost TcpB => B.Tcp;

    /// <summary>Virtual time (starts at 1 s so that "zero" never looks like a valid deadline).</summary>
    public Instant Now { get; private set; } = Instant.FromMilliseconds(1000);

    /// <summary>Total stack polls so far (a measure of simulation work).</summary>
    public long Polls { get; private set; }

    /// <summary>
    /// True while B is switched off: it is not polled and every frame sent to it is discarded, as if the
    /// host had vanished (power cut, cable pulled). A keeps running.
    /// </summary>
    public bool PausedB
    {
        get => _pausedB;
        set => _pausedB = value;
    }

    /// <summary>
    /// When positive, A's loop turns only at whole multiples of this (virtual time), draining its link each turn before B
    /// runs: frames for A wait until its next turn, as on a real loop that spends this long per turn serving many flows
    /// (an ACK is read a turn after the data left). Zero (the default): A runs whenever it has work.
    /// </summary>
    public TimeSpan TurnA { get; set; }

    private Instant _lastTurnA;

    /// <summary>True while the wire between the stacks is cut: every frame in flight either way is lost (both keep running).</summary>
    public bool Blackout { get; set; }

    /// <summary>The last trace lines (when built with tracing), oldest first.</summary>
    public IReadOnlyCollection<string> TraceTail => _trace ?? (IReadOnlyCollection<string>)[];

    /// <summary>
    /// Runs until <paramref name="step"/> returns true or <paramref name="limit"/> of virtual time has passed.
    /// <paramref name="step"/> is the application: it runs between polls (on "the loop", so it may call Tcb methods).
    /// </summary>
    public bool RunUntil(Func<bool> step, TimeSpan limit)
    {
        var end = Now + limit;
        int stepsHere = 0;
        var lastInstant = Now;
        while (true)
        {
            if (step())
                return true;
            PollBoth();
            if (step())
                return true;
            var next = NextEvent();
            if (next <= Now)
            {
                if (Now != lastInstant)
                {
                    lastInstant = Now;
                    stepsHere = 0;
                }
                if (++stepsHere > MaxStepsPerInstant)
                    throw new InvalidOperationException($"seed {Seed}: livelock at {Now}: the stacks keep asking to be polled now (A.PollAt {A.PollAt()}, B.PollAt {B.PollAt()}).");
                continue;
            }
            if (next > end)
            {
                Now = end;
                PollBoth();
                return step();
            }
            Now = next;
        }
    }

    /// <summary>Runs for <paramref name="duration"/> of virtual time with no application work.</summary>
    public void Run(TimeSpan duration) => RunUntil(static () => false, duration);

    /// <summary>Runs until <paramref name="done"/> holds; fails the test with a message naming the seed otherwise.</summary>
    public void RunUntilOrFail(Func<bool> done, TimeSpan limit, string what)
    {
        if (!RunUntil(done, limit))
            Assert.Fail($"seed {Seed}: {what} did not happen within {limit} of virtual time (now {Now}).");
    }

    /// <summary>Connects A to a listener on B's <paramref name="port"/>; fails the test unless both ends are established.</summary>
    public (Tcb Client, Tcb Server) Establish(ushort port = 80)
    {
        var listener = TcpB.Listen(new TcpEndpoint(AddressB, port));
        var client = TcpA.Connect(Now, AddressA, new TcpEndpoint(AddressB, port));
        Tcb? server = null;
        RunUntilOrFail(() =>
        {
            if (server is null && listener.TryAccept(out var accepted))
                server = accepted;
            return server is not null && client.State == TcpState.Established;
        }, TimeSpan.FromSeconds(30), "handshake");
        return (client, server!);
    }

    /// <summary>Resolves both ARP entries (a ping each way) so that later segments leave at once.</summary>
    public void WarmUpArp()
    {
        var ab = A.PingAsync(AddressB, 8, TimeSpan.FromSeconds(5));
        var ba = B.PingAsync(AddressA, 8, TimeSpan.FromSeconds(5));
        RunUntilOrFail(() => ab.IsCompleted && ba.IsCompleted, TimeSpan.FromSeconds(10), "ARP warm-up");
    }

    private Instant NextEvent()
    {
        if ((_rawA.PendingFrames > 0 && TurnA <= TimeSpan.Zero) || (!_pausedB && _rawB.PendingFrames > 0))
            return Now;
        var next = TurnA <= TimeSpan.Zero ? A.PollAt() : Instant.Min(NextTurnA(_rawA.PendingFrames > 0 ? Now : A.PollAt()), FaultsA.NextDeadline);
        if (!_pausedB)
            next = Instant.Min(next, B.PollAt());
        else
            next = Instant.Min(next, FaultsB.NextDeadline);
        return next;
    }

    private void PollBoth()
    {
        if (Blackout)
            Discard(_rawA);
        if (TurnA <= TimeSpan.Zero)
        {
            A.Poll(Now);
            Polls++;
        }
        else if (Now.Ticks % TurnA.Ticks == 0 && Now != _lastTurnA)
        {
            _lastTurnA = Now;
            do
            {
                A.Poll(Now);
                Polls++;
            }
            while (_rawA.PendingFrames > 0); // a turn reads all that waited (past the ingress budget), nothing B sends in it
        }
        else
        {
            FaultsA.ReleaseDue(Now);
        }
        if (_pausedB)
        {
            // Frames to a vanished host go nowhere; its own held frames still leave (they were on the wire).
            FaultsB.ReleaseDue(Now);
            Discard(_rawB);
            return;
        }
        if (Blackout)
            Discard(_rawB);
        B.Poll(Now);
        Polls++;
    }

    // A's first turn at or after `at` that is later than its last one.
    private Instant NextTurnA(Instant at)
    {
        if (at == Instant.MaxValue)
            return at;
        long turn = TurnA.Ticks;
        long ticks = (Math.Max(at.Ticks, Now.Ticks) + turn - 1) / turn * turn;
        if (ticks <= _lastTurnA.Ticks)
            ticks = _lastTurnA.Ticks + turn;
        return new Instant(ticks);
    }

    private void Discard(MemoryLink link)
    {
        Span<byte> sink = stackalloc byte[link.Capabilities.MaxFrameLength];
        while (link.TryReceive(Now, sink, out _))
        {
        }
    }

    private void Record(string line)
    {
        var trace = _trace!;
        if (trace.Count >= _traceLimit)
            trace.Dequeue();
        trace.Enqueue($"{Now.TotalMilliseconds,8} ms {line}");
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        FaultsA.Dispose();
        FaultsB.Dispose();
    }
}
