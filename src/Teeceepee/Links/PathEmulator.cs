using Teeceepee.Interop;

namespace Teeceepee.Links;

/// <summary>
/// Joins two links like a wire through one <see cref="FaultInjector"/>: frames received on <see cref="A"/> leave on
/// <see cref="B"/> with the A-to-B faults, frames received on <see cref="B"/> leave on <see cref="A"/> with the B-to-A
/// faults (rate, drop-tail queue, delay, jitter, loss, ECN marking, MTU black hole). With two TAP devices whose kernel
/// ends sit in two namespaces, the kernels talk over an emulated path (what <c>tc netem</c> would give).
/// </summary>
/// <remarks>
/// <see cref="Poll"/> moves what is ready at an instant (simulations drive it on virtual time); <see cref="Run"/> is the
/// real-time loop: epoll on both links' fds and a timerfd armed for the next held frame, no busy waiting.
/// The frame path does not allocate.
/// </remarks>
public sealed class PathEmulator : IDisposable
{
    /// <summary>Default frames each direction may hold (in flight on the wire and queued at the bottleneck).</summary>
    public const int DefaultHoldCapacity = 16384;

    // Frames moved per direction per poll before the other direction (and the timers) get a turn.
    private const int Budget = 256;

    private readonly ILink _a;
    private readonly FaultInjector _faults;
    private readonly byte[] _buffer;

    /// <summary>Joins <paramref name="a"/> and <paramref name="b"/> (both disposed with the emulator).</summary>
    /// <param name="a">One end.</param>
    /// <param name="b">The other end (of the same medium).</param>
    /// <param name="aToB">Faults on frames from A to B; default none.</param>
    /// <param name="bToA">Faults on frames from B to A; default none.</param>
    /// <param name="seed">Seed of the fault streams: same seed, same frames, same outcome.</param>
    /// <param name="holdCapacity">Frames each direction may hold: at least the path's bandwidth-delay product plus its queue.</param>
    public PathEmulator(ILink a, ILink b, FaultOptions? aToB = null, FaultOptions? bToA = null, int seed = 0, int holdCapacity = DefaultHoldCapacity)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Capabilities.Medium != b.Capabilities.Medium)
            throw new ArgumentException($"Both ends must carry the same medium ({a.Capabilities.Medium} and {b.Capabilities.Medium}).", nameof(b));
        _a = a;
        _faults = new FaultInjector(b, inbound: bToA, outbound: aToB, seed, holdCapacity);
        _buffer = new byte[Math.Max(a.Capabilities.MaxOffloadFrameLength, b.Capabilities.MaxOffloadFrameLength)];
    }

    /// <summary>The first end.</summary>
    public ILink A => _a;

    /// <summary>The second end.</summary>
    public ILink B => _faults.Inner;

    /// <summary>Faults on frames from A to B.</summary>
    public FaultOptions AToBOptions => _faults.OutboundOptions;

    /// <summary>Faults on frames from B to A.</summary>
    public FaultOptions BToAOptions => _faults.InboundOptions;

    /// <summary>What happened to frames from A to B (<see cref="FaultCounters.Delivered"/>: sent on B).</summary>
    public FaultCounters AToB => _faults.Outbound;

    /// <summary>What happened to frames from B to A (<see cref="FaultCounters.Delivered"/>: handed to A).</summary>
    public FaultCounters BToA => _faults.Inbound;

    /// <summary>Frames from B to A that A refused (its queue full, its device down).</summary>
    public long RefusedByA { get; private set; }

    /// <summary>When a held frame is next due; <see cref="Instant.MaxValue"/> if none.</summary>
    public Instant NextDeadline => Instant.Min(_faults.NextDeadline, _a.NextDeadline);

    /// <summary>
    /// Moves every frame ready at <paramref name="now"/>, up to a budget per direction: received on A into the A-to-B
    /// faults, released by the B-to-A faults onto A, and due A-to-B frames onto B. True when a budget ran out (call again
    /// before sleeping).
    /// </summary>
    public bool Poll(Instant now)
    {
        _faults.ReleaseDue(now);
        int moved = 0;
        while (moved < Budget && _a.TryReceive(now, _buffer, out int length, out var offload))
        {
            // A super-frame or partial checksum from an offloading A is carried out by the injector, segment by segment.
            _faults.TrySend(now, _buffer.AsSpan(0, length), offload);
            moved++;
        }
        bool more = moved == Budget;
        moved = 0;
        while (moved < Budget && _faults.TryReceive(now, _buffer, out int length, out _))
        {
            if (!_a.TrySend(now, _buffer.AsSpan(0, length), LinkOffload.None))
                RefusedByA++;
            moved++;
        }
        return more || moved == Budget;
    }

    /// <summary>
    /// Runs the emulator on the real clock until <paramref name="cancellationToken"/> fires: sleeps in epoll on both
    /// links' readiness fds and a timerfd armed for <see cref="NextDeadline"/>. Blocks the calling thread.
    /// </summary>
    /// <param name="time">The clock; default the system's monotonic clock.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <exception cref="InvalidOperationException">A link has no readiness fd (drive such links with <see cref="Poll"/>).</exception>
    public void Run(TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        if (_a.ReadinessFd < 0 || _faults.ReadinessFd < 0)
            throw new InvalidOperationException("Both links need a readiness fd to run on the real clock; drive them with Poll instead.");
        using var epoll = new Epoll();
        using var timer = new TimerFd();
        using var wake = new EventFd();
        epoll.Add(_a.ReadinessFd, EpollEvents.In, 0);
        epoll.Add(_faults.ReadinessFd, EpollEvents.In, 1);
        epoll.Add(timer.Fd, EpollEvents.In, 2);
        epoll.Add(wake.Fd, EpollEvents.In, 3);
        using var registration = cancellationToken.Register(wake.Signal);
        Span<EpollEvent> events = stackalloc EpollEvent[4];
        Instant armed = Instant.MaxValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Poll(Instant.Now(time)))
                continue;
            Instant deadline = NextDeadline;
            if (deadline != armed)
            {
                if (deadline == Instant.MaxValue)
                    timer.Disarm();
                else
                    timer.Arm(deadline - Instant.Now(time));
                armed = deadline;
            }
            int n = epoll.Wait(events, -1);
            for (int i = 0; i < n; i++)
            {
                if (events[i].Data == 2)
                {
                    timer.Acknowledge();
                    armed = Instant.MaxValue; // fired: re-arm for whatever is next
                }
            }
        }
    }

    /// <summary>Disposes both links and drops held frames.</summary>
    public void Dispose()
    {
        _faults.Dispose();
        _a.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"path({_a} <-> {_faults.Inner})";
}
